package io.caption4j.layers;

import java.util.Arrays;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Input shape checks that fail with a message naming the layer and the expected shape. */
final class Shapes {
    private Shapes() {
    }

    static void check(boolean ok, String layer, String what, String expected, INDArray got) {
        if (!ok) {
            throw new IllegalArgumentException("Layer '" + layer + "': " + what + " must have shape " + expected
                    + ", got " + (got == null ? "null" : Arrays.toString(got.shape())));
        }
    }

    static void rank(INDArray x, int rank, String layer, String what, String expected) {
        check(x != null && x.rank() == rank, layer, what, expected, x);
    }

    static void checkDecoderInputs(AttentionDecoder c, INDArray features, INDArray pooled, INDArray emb, String layer) {
        String f = "[batch, regions, " + c.getFeatureSize() + "]";
        rank(features, 3, layer, "features", f);
        check(features.size(2) == c.getFeatureSize(), layer, "features", f, features);
        if (c.getRegions() > 0) {
            String fr = "[batch, " + c.getRegions() + " (the regions it was trained on), " + c.getFeatureSize() + "]";
            check(features.size(1) == c.getRegions(), layer, "features", fr, features);
        }
        String p = "[batch, " + c.getPooledSize() + "]";
        rank(pooled, 2, layer, "pooled features", p);
        check(pooled.size(1) == c.getPooledSize() && pooled.size(0) == features.size(0), layer, "pooled features", p, pooled);
        String e = "[batch, " + c.getEmbeddingSize() + ", steps]";
        rank(emb, 3, layer, "embedded tokens", e);
        check(emb.size(1) == c.getEmbeddingSize() && emb.size(0) == features.size(0), layer, "embedded tokens", e, emb);
    }
}
