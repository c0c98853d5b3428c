package io.caption4j.zoo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.caption4j.core.CaptionException;
import io.caption4j.zoo.tfjs.TfjsModel;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Reads a Keras HDF5 file: a whole model ({@code Model.save}: a model_config attribute and a model_weights
 * group) or weights only ({@code save_weights}, as keras.applications' *_notop.h5), through DL4J's
 * Hdf5Archive. Weights are keyed "layer/param" ("conv2d_1/kernel") like the TF.js reader's.
 */
public final class KerasHdf5 {
    private KerasHdf5() {
    }

    /**
     * @param file  the .h5 file
     * @param modelConfigIfWeightsOnly Keras model_config to use when the file has none (may be null otherwise)
     */
    public static TfjsModel read(Path file, JsonNode modelConfigIfWeightsOnly) {
        if (!Files.isRegularFile(file)) {
            throw new CaptionException(file + ": no such Keras HDF5 file");
        }
        try (Hdf5Archive h5 = new Hdf5Archive(file.toString())) {
            JsonNode config;
            String[] root;
            if (h5.hasAttribute("model_config")) {
                config = new ObjectMapper().readTree(h5.readAttributeAsJson("model_config"));
                root = new String[]{"model_weights"};
            } else if (modelConfigIfWeightsOnly != null) {
                config = modelConfigIfWeightsOnly;
                root = new String[0];
            } else {
                throw new CaptionException(file + ": holds weights only (no model_config) and no topology was given");
            }
            Map<String, INDArray> weights = new LinkedHashMap<>();
            for (String layer : h5.getGroups(root)) {
                collect(h5, append(root, layer), layer, weights);
            }
            ObjectNode topology = new ObjectMapper().createObjectNode();
            topology.set("model_config", config);
            return TfjsModel.of(topology, weights);
        } catch (CaptionException e) {
            throw e;
        } catch (Exception | UnsatisfiedLinkError e) {
            throw new CaptionException(file + ": not a readable Keras HDF5 file (" + e.getMessage() + ")", e);
        }
    }

    /** Datasets under a layer group, possibly nested ("conv2d_1/conv2d_1/kernel:0"), as "conv2d_1/kernel". */
    private static void collect(Hdf5Archive h5, String[] groups, String layer, Map<String, INDArray> out) throws Exception {
        for (String ds : h5.getDataSets(groups)) {
            String param = ds.replaceAll(":\\d+$", "");
            out.put(layer + "/" + param, h5.readDataSet(ds, groups).castTo(DataType.FLOAT));
        }
        List<String> sub = h5.getGroups(groups);
        for (String g : sub) {
            collect(h5, append(groups, g), layer, out);
        }
    }

    private static String[] append(String[] a, String s) {
        String[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = s;
        return r;
    }
}
