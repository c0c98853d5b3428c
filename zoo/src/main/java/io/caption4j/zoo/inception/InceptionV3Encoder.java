package io.caption4j.zoo.inception;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.caption4j.core.CaptionException;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.zoo.KerasHdf5;
import io.caption4j.zoo.NsfwjsPackage;
import io.caption4j.zoo.tfjs.TfjsModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * InceptionV3 image features: the output of {@code mixed10} (8x8x2048, default), {@code mixed7} or
 * {@code mixed5} (17x17x768) as regions x channels, and as the pooled vector the spatial mean of the same layer
 * or, when a pooled layer is given, of a deeper one computed in the same pass ({@code mixed5} regions to attend
 * over with {@code mixed10}'s 2048 ImageNet-level channels for the initial state, say). Input preprocessing is
 * Keras' inception_v3 (299x299, [-1, 1]). Safe for concurrent callers.
 */
public final class InceptionV3Encoder implements ImageEncoder {
    /** Layers whose output can serve as features. */
    public enum FeatureLayer { MIXED5, MIXED7, MIXED10;
        String layerName() {
            return name().toLowerCase();
        }
    }

    private final KerasConvNet net;
    private final FeatureLayer layer;
    private final FeatureLayer pooledLayer;
    private final InceptionPreprocessor pre = new InceptionPreprocessor(299);
    private final String id;

    public InceptionV3Encoder(TfjsModel model, FeatureLayer layer, String id) {
        this(new KerasConvNet(model, id), layer, layer, id);
    }

    private InceptionV3Encoder(KerasConvNet net, FeatureLayer layer, FeatureLayer pooledLayer, String id) {
        this.net = net;
        this.layer = layer;
        this.pooledLayer = pooledLayer;
        this.id = id + "#" + layer.layerName() + (pooledLayer == layer ? "" : "+" + pooledLayer.layerName());
        for (FeatureLayer l : new FeatureLayer[]{layer, pooledLayer}) {
            if (!net.hasLayer(l.layerName())) {
                throw new CaptionException(id + ": the model has no layer " + l.layerName() + " (not an InceptionV3?)");
            }
        }
    }

    /** The default encoder: nsfwjs@4.4.0's ImageNet InceptionV3 from the cache, downloaded on first use (NsfwjsPackage). */
    public static InceptionV3Encoder nsfwjs(FeatureLayer layer) {
        return nsfwjs(layer, layer);
    }

    /** As {@link #nsfwjs(FeatureLayer)}, the pooled vector taken from {@code pooledLayer} in the same pass. */
    public static InceptionV3Encoder nsfwjs(FeatureLayer layer, FeatureLayer pooledLayer) {
        String id = "nsfwjs-4.4.0/inception_v3/sha256:" + NsfwjsPackage.SHA256.substring(0, 16);
        return new InceptionV3Encoder(new KerasConvNet(NsfwjsPackage.inceptionV3(), id), layer, pooledLayer, id);
    }

    /**
     * The encoder from Keras' own ImageNet weights, {@code inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5}
     * (keras.applications; users with internet access download it). That file holds weights only, so the layer
     * graph comes from the nsfwjs package's InceptionV3, which has the same architecture and layer names.
     */
    public static InceptionV3Encoder kerasHdf5(java.nio.file.Path notopH5, FeatureLayer layer) {
        return kerasHdf5(notopH5, layer, layer);
    }

    /** As {@link #kerasHdf5(java.nio.file.Path, FeatureLayer)}, the pooled vector taken from {@code pooledLayer}. */
    public static InceptionV3Encoder kerasHdf5(java.nio.file.Path notopH5, FeatureLayer layer, FeatureLayer pooledLayer) {
        TfjsModel model = KerasHdf5.read(notopH5, NsfwjsPackage.inceptionV3().modelConfig());
        KerasConvNet net = new KerasConvNet(model, notopH5.toString(), layer.layerName(), pooledLayer.layerName());
        return new InceptionV3Encoder(net, layer, pooledLayer, "keras-h5/" + notopH5.getFileName());
    }

    public InceptionPreprocessor preprocessor() {
        return pre;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public EncodedImage encode(BufferedImage image) {
        return encodeAll(Collections.singletonList(image)).get(0);
    }

    @Override
    public List<EncodedImage> encodeAll(List<BufferedImage> images) {
        return encodeTensor(pre.toTensor(images));
    }

    /** Encodes a preprocessed batch [B, 3, 299, 299]. */
    public List<EncodedImage> encodeTensor(INDArray x) {
        Map<String, INDArray> outputs = net.run(x, layer.layerName(), pooledLayer.layerName());
        INDArray maps = outputs.get(layer.layerName());                                 // [B, C, h, w]
        INDArray pooled = outputs.get(pooledLayer.layerName()).mean(2, 3);              // [B, C']
        long b = maps.size(0), c = maps.size(1), h = maps.size(2), w = maps.size(3);
        List<EncodedImage> out = new ArrayList<>((int) b);
        for (int i = 0; i < b; i++) {
            INDArray spatial = maps.get(NDArrayIndex.point(i)).reshape(c, h * w).transpose().dup('c'); // [h*w, C]
            INDArray vector = pooledLayer == layer ? spatial.mean(0) : pooled.getRow(i).dup();         // [C']
            out.add(new EncodedImage(spatial, vector, (int) h, (int) w));
        }
        return out;
    }

    /** The original model's class probabilities for a preprocessed batch (the nsfwjs head): [B, classes]. */
    public INDArray classify(INDArray x, String outputLayer) {
        return net.run(x, outputLayer).get(outputLayer);
    }

    /** Runs arbitrary layers on a preprocessed batch (for tests and diagnostics). */
    public Map<String, INDArray> run(INDArray x, String... layers) {
        return net.run(x, layers);
    }
}
