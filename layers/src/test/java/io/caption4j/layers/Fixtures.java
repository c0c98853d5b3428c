package io.caption4j.layers;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test helpers: JSON fixtures as INDArrays, and array comparison with a readable message. */
final class Fixtures {
    private Fixtures() {
    }

    static JsonNode json(String resource) throws IOException {
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("Missing test resource " + resource);
            }
            return new ObjectMapper().readTree(in);
        }
    }

    /** A nested JSON list as a double array of the same shape. */
    static INDArray array(JsonNode node) {
        List<Long> shape = new ArrayList<>();
        JsonNode n = node;
        while (n.isArray()) {
            shape.add((long) n.size());
            n = n.get(0);
        }
        List<Double> values = new ArrayList<>();
        flatten(node, values);
        double[] d = values.stream().mapToDouble(Double::doubleValue).toArray();
        long[] s = shape.stream().mapToLong(Long::longValue).toArray();
        return s.length == 0 ? Nd4j.scalar(d[0]) : Nd4j.create(d, s, DataType.DOUBLE);
    }

    private static void flatten(JsonNode n, List<Double> out) {
        if (n.isArray()) {
            for (JsonNode c : n) {
                flatten(c, out);
            }
        } else {
            out.add(n.asDouble());
        }
    }

    /** Asserts equal shapes and max |a - b| <= atol + rtol * max|b|. */
    static void assertClose(INDArray expected, INDArray actual, double rtol, double atol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        INDArray e = expected.castTo(DataType.DOUBLE), a = actual.castTo(DataType.DOUBLE);
        double diff = e.sub(a).amaxNumber().doubleValue();
        double scale = e.amaxNumber().doubleValue();
        assertTrue(diff <= atol + rtol * scale, what + ": max abs difference " + diff + " (scale " + scale + ")");
    }
}
