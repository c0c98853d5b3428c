package io.caption4j.cli;

import java.nio.file.Files;

import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.EncoderSpec;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.zoo.InceptionEncoders;
import io.caption4j.zoo.NsfwjsPackage;
import io.caption4j.zoo.inception.InceptionV3Encoder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The image encoder and the feature pipeline behind it; the defaults are TrainConfig's. */
public final class EncoderOptions {
    private static final TrainConfig DEFAULTS = new TrainConfig();

    @Option(names = "--encoder",
            description = "nsfwjs (nsfwjs@4.4.0's ImageNet InceptionV3, downloaded on first use) or keras:PATH "
                    + "(Keras' inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5) (default: ${DEFAULT-VALUE}).")
    String encoder = DEFAULTS.encoder;

    @Option(names = "--layer",
            description = "Feature layer: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; mixed5 is the last "
                    + "ImageNet layer of the nsfwjs model).")
    InceptionV3Encoder.FeatureLayer layer = InceptionV3Encoder.FeatureLayer.valueOf(DEFAULTS.layer);

    @Option(names = "--pooled-layer",
            description = "Layer whose spatial mean is the pooled vector that starts the decoder, computed in the same "
                    + "pass: ${COMPLETION-CANDIDATES} (default: the --layer itself; MIXED10 gives ImageNet-level "
                    + "2048 channels beside a MIXED5 grid).")
    InceptionV3Encoder.FeatureLayer pooledLayer;

    @Option(names = "--pool", description = "Average-pool the feature grid k x k before the decoder "
            + "(17x17 -> 9x9 with 2; 1 = off) (default: ${DEFAULT-VALUE}).")
    int pool = DEFAULTS.pool;

    @Mixin
    CacheOptions caching = new CacheOptions();

    /** The encoder these options name. */
    ImageEncoder encoder() {
        fetchWeights();   // every InceptionV3 encoder takes its layer graph from the nsfwjs package
        return InceptionEncoders.of(EncoderSpec.of(encoder, layerSpec()));
    }

    /**
     * Downloads the nsfwjs package when it is missing, drawing a progress bar (the library alone only logs); offline,
     * the encoder's own error says where to put the file.
     */
    static void fetchWeights() {
        if (!NsfwjsPackage.offline() && !Files.isRegularFile(NsfwjsPackage.tarball())) {
            NsfwjsPackage.verifiedTarball(new ProgressBarListener());
        }
    }

    /** The layer part of the encoder spec: {@code LAYER} or {@code GRID+POOLED}. */
    String layerSpec() {
        return InceptionEncoders.layerSpec(layer, pooledLayer);
    }

    FeatureSource featureSource(ImageEncoder enc) {
        return caching.featureSource(enc, pool);
    }
}
