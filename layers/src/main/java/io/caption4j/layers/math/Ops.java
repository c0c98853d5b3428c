package io.caption4j.layers.math;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Small ND4J helpers used by the hand-written forward and backward passes. */
public final class Ops {
    private Ops() {
    }

    /** c += a^T b (or a b when transA is false): gradient accumulation into a parameter view. */
    public static void gemmAcc(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB) {
        Nd4j.gemm(a, b, c, transA, transB, 1.0, 1.0);
    }

    /**
     * Rows [from, to) of a c-ordered matrix as a contiguous view. (NDArrayIndex row intervals on parameter views
     * sometimes return an empty array in ND4J 1.0.0-M2.1; a flat slice does not.)
     */
    static INDArray rows(INDArray m, long from, long to) {
        long cols = m.size(1);
        return m.reshape('c', new long[]{m.length()}).get(NDArrayIndex.interval(from * cols, to * cols))
                .reshape('c', new long[]{to - from, cols});
    }

    /** Column block k of width n, columns [k n, (k + 1) n), as a view: one gate of a [B, G*H] gate matrix. */
    static INDArray block(INDArray x, int k, long n) {
        return x.get(NDArrayIndex.all(), NDArrayIndex.interval(k * n, (k + 1) * n));
    }

    /**
     * a b into a new c-ordered array. Uses Nd4j.gemm: in ND4J 1.0.0-M2.1 INDArray.mmul is several times
     * slower for a matrix-vector product (measured 3.3 ms against 0.6 ms for [1, 512] x [512, 5000]).
     */
    public static INDArray mm(INDArray a, INDArray b) {
        INDArray out = Nd4j.createUninitialized(a.dataType(), a.size(0), b.size(1));
        return Nd4j.gemm(a, b, out, false, false, 1.0, 0.0);
    }

    /** out = a b (out c-ordered, from a Scratch). */
    public static INDArray mm(INDArray a, INDArray b, INDArray out) {
        return Nd4j.gemm(a, b, out, false, false, 1.0, 0.0);
    }

    /** out = a b^T. */
    public static INDArray mmT(INDArray a, INDArray b, INDArray out) {
        return Nd4j.gemm(a, b, out, false, true, 1.0, 0.0);
    }

    /** a^T b into a new c-ordered array. */
    public static INDArray mTm(INDArray a, INDArray b) {
        INDArray out = Nd4j.createUninitialized(a.dataType(), a.size(1), b.size(1));
        return Nd4j.gemm(a, b, out, true, false, 1.0, 0.0);
    }

    /** a b^T into a new c-ordered array. */
    public static INDArray mmT(INDArray a, INDArray b) {
        INDArray out = Nd4j.createUninitialized(a.dataType(), a.size(0), b.size(0));
        return Nd4j.gemm(a, b, out, false, true, 1.0, 0.0);
    }

    /** x [rows, n] += row [n] (bias add, in place). */
    public static INDArray addRow(INDArray x, INDArray row) {
        return x.addiRowVector(row.reshape(1, row.length()));
    }

    static INDArray sigmoidInPlace(INDArray x) {
        return Transforms.sigmoid(x, false);
    }

    static INDArray tanhInPlace(INDArray x) {
        return Transforms.tanh(x, false);
    }

    /** y * (1 - y): sigmoid derivative from its output, new array. */
    static INDArray sigmoidDerivFromOutput(INDArray y) {
        return y.rsub(1.0).muli(y);
    }

    /** 1 - y^2: tanh derivative from its output, new array. */
    static INDArray tanhDerivFromOutput(INDArray y) {
        return y.mul(y).rsubi(1.0);
    }
}
