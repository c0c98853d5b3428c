package io.caption4j.zoo;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.caption4j.core.CaptionException;
import io.caption4j.zoo.inception.KerasConvNet;
import io.caption4j.zoo.tfjs.TfjsModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.*;

/** Keras HDF5 (full model and weights only) against outputs computed with numpy (zoo/scripts/make_keras_h5_fixture.py). */
class KerasHdf5Test {

    static Path copy(String name, Path dir) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = KerasHdf5Test.class.getResourceAsStream("/fixtures/keras/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    static INDArray nested(JsonNode n) {
        java.util.List<Long> shape = new java.util.ArrayList<>();
        for (JsonNode c = n; c.isArray(); c = c.get(0)) {
            shape.add((long) c.size());
        }
        java.util.List<Double> vals = new java.util.ArrayList<>();
        flatten(n, vals);
        return Nd4j.create(vals.stream().mapToDouble(Double::doubleValue).toArray(),
                shape.stream().mapToLong(Long::longValue).toArray(), DataType.DOUBLE).castTo(DataType.FLOAT);
    }

    static void flatten(JsonNode n, java.util.List<Double> out) {
        if (n.isArray()) {
            n.forEach(c -> flatten(c, out));
        } else {
            out.add(n.asDouble());
        }
    }

    void check(TfjsModel model) throws Exception {
        JsonNode exp;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/keras/tiny_expected.json")) {
            exp = new ObjectMapper().readTree(in);
        }
        INDArray x = nested(exp.get("input_nhwc")).permute(0, 3, 1, 2).dup('c');            // NHWC -> NCHW
        Map<String, INDArray> out = new KerasConvNet(model, "tiny").run(x, "r", "d");
        INDArray r = nested(exp.get("r_nhwc")).permute(0, 3, 1, 2);
        assertTrue(r.sub(out.get("r")).amaxNumber().doubleValue() < 1e-5, "relu map");
        INDArray d = nested(exp.get("d"));
        assertTrue(d.sub(out.get("d")).amaxNumber().doubleValue() < 1e-6, "softmax output " + out.get("d") + " vs " + d);
    }

    @Test
    void fullModelFile(@TempDir Path dir) throws Exception {
        check(KerasHdf5.read(copy("tiny_model.h5", dir), null));
    }

    @Test
    void weightsOnlyFileWithAGivenTopology(@TempDir Path dir) throws Exception {
        TfjsModel full = KerasHdf5.read(copy("tiny_model.h5", dir), null);
        TfjsModel weightsOnly = KerasHdf5.read(copy("tiny_weights.h5", dir), full.modelConfig());
        assertEquals(full.weights().keySet(), weightsOnly.weights().keySet());
        check(weightsOnly);
        CaptionException e = assertThrows(CaptionException.class, () -> KerasHdf5.read(dir.resolve("tiny_weights.h5"), null));
        assertTrue(e.getMessage().contains("weights only"), e.getMessage());
    }

    @Test
    void badFiles(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.h5"), "not hdf5");
        CaptionException e = assertThrows(CaptionException.class, () -> KerasHdf5.read(text, null));
        assertTrue(e.getMessage().contains("notes.h5"), e.getMessage());
        assertThrows(CaptionException.class, () -> KerasHdf5.read(dir.resolve("none.h5"), null));
    }
}
