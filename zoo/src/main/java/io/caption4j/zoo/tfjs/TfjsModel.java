package io.caption4j.zoo.tfjs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.caption4j.core.CaptionException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A TF.js "layers" model: the Keras topology from {@code model.json} and the weights from its binary shards,
 * float32 or uint8/uint16-quantised ({@code w = min + scale * q}). The JSON and shards may be plain files or,
 * as in npm packages such as nsfwjs, wrapped in small JavaScript modules (the JSON as an object literal, a
 * shard as a base64 string); both are read here without Node.js.
 */
public final class TfjsModel {
    private final JsonNode topology;
    private final Map<String, INDArray> weights;

    private TfjsModel(JsonNode topology, Map<String, INDArray> weights) {
        this.topology = topology;
        this.weights = weights;
    }

    /**
     * A model from its parts: topology {@code {"model_config": ...}} (Keras' JSON) and weights keyed
     * "layer/param" in Keras layout; see {@link io.caption4j.zoo.KerasHdf5}.
     */
    public static TfjsModel of(JsonNode topology, Map<String, INDArray> weights) {
        return new TfjsModel(topology, weights);
    }

    /** The Keras model_config (class_name, config.layers, ...). */
    public JsonNode modelConfig() {
        return topology.get("model_config");
    }

    /** Weights by name ("conv2d_1/kernel"), Keras layout (kernels [kh, kw, in, out]), float32. */
    public Map<String, INDArray> weights() {
        return weights;
    }

    /** A weight by name; a clear error if the model lacks it. */
    public INDArray weight(String name, String source) {
        INDArray w = weights.get(name);
        if (w == null) {
            throw new CaptionException(source + ": the weights manifest has no weight '" + name + "'");
        }
        return w;
    }

    /**
     * Reads a model.
     * @param modelJson the text of model.json, or of a JS module wrapping it
     * @param shards    the bytes of a shard file by its manifest path ("group1-shard1of6"); for JS-wrapped
     *                  shards the module's bytes (the base64 payload is decoded here)
     * @param source    a name for error messages (file or package)
     */
    public static TfjsModel read(String modelJson, Function<String, byte[]> shards, String source) {
        JsonNode root = parseModelJson(modelJson, source);
        JsonNode topology = root.get("modelTopology");
        JsonNode manifest = root.get("weightsManifest");
        if (topology == null || manifest == null || !manifest.isArray()) {
            throw new CaptionException(source + ": not a TF.js layers model (needs modelTopology and weightsManifest)");
        }
        Map<String, INDArray> weights = new LinkedHashMap<>();
        for (JsonNode group : manifest) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (JsonNode path : group.get("paths")) {
                byte[] bytes = shards.apply(path.asText());
                if (bytes == null) {
                    throw new CaptionException(source + ": weight shard '" + path.asText() + "' is missing");
                }
                all.writeBytes(unwrapShard(bytes));
            }
            ByteBuffer buf = ByteBuffer.wrap(all.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode w : group.get("weights")) {
                weights.put(w.get("name").asText(), readWeight(w, buf, source));
            }
            if (buf.hasRemaining()) {
                throw new CaptionException(source + ": weight shards of group " + group.get("paths")
                        + " are " + buf.remaining() + " bytes longer than the manifest describes (wrong shard size)");
            }
        }
        return new TfjsModel(topology, weights);
    }

    private static JsonNode parseModelJson(String text, String source) {
        String trimmed = text.trim();
        ObjectMapper mapper = new ObjectMapper();
        if (trimmed.startsWith("{\"")) {
            try {
                return mapper.readTree(trimmed);
            } catch (IOException e) {
                throw new CaptionException(source + ": model JSON is malformed: " + e.getMessage(), e);
            }
        }
        int start = text.indexOf("{modelTopology");
        if (start < 0) {
            throw new CaptionException(source + ": no model JSON (modelTopology) found");
        }
        try {
            return mapper.readTree(JsLiteral.toJson(JsLiteral.extract(text, start)));
        } catch (IOException | IllegalArgumentException e) {
            throw new CaptionException(source + ": the model object in this JavaScript module is malformed: "
                    + e.getMessage(), e);
        }
    }

    /** A shard's raw bytes: as they are, or the base64 payload of a JS module. */
    static byte[] unwrapShard(byte[] bytes) {
        if (bytes.length < 2 || bytes[0] != '!' && !(bytes[0] == '(' || bytes[0] == 'm')) {
            return bytes;
        }
        String js = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = js.lastIndexOf('"');
        int start = js.lastIndexOf('"', end - 1);
        if (start < 0 || end - start < 2) {
            return bytes;
        }
        try {
            return Base64.getDecoder().decode(js.substring(start + 1, end));
        } catch (IllegalArgumentException e) {
            return bytes;
        }
    }

    private static INDArray readWeight(JsonNode w, ByteBuffer buf, String source) {
        String name = w.get("name").asText();
        List<Long> shapeList = new java.util.ArrayList<>();
        w.get("shape").forEach(s -> shapeList.add(s.asLong()));
        long[] shape = shapeList.stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long s : shape) {
            count *= s;
        }
        JsonNode q = w.get("quantization");
        String storedType = q != null ? q.get("dtype").asText() : w.get("dtype").asText();
        int bytesPer = storedType.equals("uint8") ? 1 : storedType.equals("uint16") || storedType.equals("float16") ? 2 : 4;
        if (buf.remaining() < count * bytesPer) {
            throw new CaptionException(source + ": weight shards end inside weight '" + name + "' (needs "
                    + count * bytesPer + " bytes, " + buf.remaining() + " left): a shard is truncated or missing");
        }
        float[] values = new float[(int) count];
        if (q != null) {
            float min = (float) q.get("min").asDouble(), scale = (float) q.get("scale").asDouble();
            for (int i = 0; i < count; i++) {
                int v = bytesPer == 1 ? buf.get() & 0xFF : buf.getShort() & 0xFFFF;
                values[i] = min + scale * v;
            }
        } else if (storedType.equals("float32")) {
            for (int i = 0; i < count; i++) {
                values[i] = buf.getFloat();
            }
        } else {
            throw new CaptionException(source + ": weight '" + name + "' has unsupported dtype " + storedType);
        }
        return Nd4j.create(values, shape.length == 0 ? new long[]{1} : shape, DataType.FLOAT);
    }
}
