package io.caption4j.layers.math;

import io.caption4j.layers.CellType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels' float paths (fused loops, fast tanh) against their double paths (the same formulas in plain ND4J
 * ops, which the gradient checks and the PyTorch references cover), on the same numbers.
 */
class FloatKernelTest {

    static void close(INDArray expectedDouble, INDArray actualFloat, double tol, String what) {
        assertArrayEquals(expectedDouble.shape(), actualFloat.shape(), what);
        double diff = expectedDouble.sub(actualFloat.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        double scale = Math.max(1.0, expectedDouble.amaxNumber().doubleValue());
        assertTrue(diff <= tol * scale, what + ": max difference " + diff);
    }

    @Test
    void fastTanhIsAccurate() {
        double worst = 0;
        for (float x = -12f; x <= 12f; x += 1e-3f) {
            worst = Math.max(worst, Math.abs(AttentionKernels.tanh(x) - Math.tanh(x)));
        }
        assertTrue(worst < 1e-6, "max |tanh error| " + worst);
        assertTrue(AttentionKernels.tanh(1e-6f) == 1e-6f || Math.abs(AttentionKernels.tanh(1e-6f) - 1e-6f) < 1e-12);
    }

    @Test
    void attentionFloatMatchesDouble() {
        int b = 3, l = 7, f = 5, s = 6, a = 4;
        INDArray[] d = {Nd4j.rand(DataType.DOUBLE, f, a).subi(0.5), Nd4j.rand(DataType.DOUBLE, s, a).subi(0.5),
                Nd4j.rand(DataType.DOUBLE, a).subi(0.5), Nd4j.rand(DataType.DOUBLE, a, 1).subi(0.5),
                Nd4j.rand(DataType.DOUBLE, b, l, f).subi(0.5), Nd4j.rand(DataType.DOUBLE, b, s).subi(0.5),
                Nd4j.rand(DataType.DOUBLE, b, f).subi(0.5)};
        INDArray mask = Nd4j.ones(DataType.DOUBLE, b, l);
        mask.putScalar(1, 6, 0);
        mask.putScalar(2, 0, 0);
        Object[] outD = run(d, mask, DataType.DOUBLE), outF = run(d, mask, DataType.FLOAT);
        String[] names = {"context", "alpha", "dS", "dF", "dFA", "dWs", "dv"};
        for (int i = 0; i < names.length; i++) {
            close((INDArray) outD[i], (INDArray) outF[i], 1e-5, names[i]);
        }
    }

    private static Object[] run(INDArray[] d, INDArray mask, DataType t) {
        AttentionMath.Params p = new AttentionMath.Params(d[0].castTo(t), d[1].castTo(t), d[2].castTo(t), d[3].castTo(t),
                null, null);
        AttentionMath.Params g = new AttentionMath.Params(Nd4j.zeros(t, d[0].shape()), Nd4j.zeros(t, d[1].shape()),
                Nd4j.zeros(t, d[2].shape()), Nd4j.zeros(t, d[3].shape()), null, null);
        INDArray f = d[4].castTo(t), s = d[5].castTo(t), m = mask.castTo(t);
        INDArray keys = AttentionMath.projectKeys(p, f);
        AttentionMath.Step st = AttentionMath.forward(p, f, keys, s, null, m);
        INDArray context = st.context.dup(), alpha = st.alpha.dup();
        INDArray dF = Nd4j.zeros(t, f.shape()), dFA = Nd4j.zeros(t, keys.shape());
        AttentionMath.StepGrad sg = AttentionMath.backward(p, g, st, f, d[6].castTo(t), null, m, dF, dFA);
        return new Object[]{context, alpha, sg.dS, dF, dFA, g.wS, g.v};
    }

    @Test
    void lstmFloatMatchesDouble() {
        int b = 4, h = 6;
        INDArray gx = Nd4j.rand(DataType.DOUBLE, b, 4 * h).subi(0.5).muli(6), hPrev = Nd4j.rand(DataType.DOUBLE, b, h).subi(0.5);
        INDArray cPrev = Nd4j.rand(DataType.DOUBLE, b, h).subi(0.5).muli(4), wH = Nd4j.rand(DataType.DOUBLE, h, 4 * h).subi(0.5);
        CellMath.Step sd = CellMath.forward(CellType.LSTM, gx.dup(), hPrev, cPrev, wH, null);
        CellMath.Step sf = CellMath.forward(CellType.LSTM, gx.castTo(DataType.FLOAT), hPrev.castTo(DataType.FLOAT),
                cPrev.castTo(DataType.FLOAT), wH.castTo(DataType.FLOAT), null);
        close(sd.h, sf.h, 1e-6, "h");
        close(sd.c, sf.c, 1e-6, "c");
        close(sd.act, sf.act, 1e-6, "gates");
        INDArray dH = Nd4j.rand(DataType.DOUBLE, b, h).subi(0.5), dC = Nd4j.rand(DataType.DOUBLE, b, h).subi(0.5);
        INDArray dWd = Nd4j.zeros(DataType.DOUBLE, h, 4 * h), dWf = Nd4j.zeros(DataType.FLOAT, h, 4 * h);
        CellMath.StepGrad gd = CellMath.backward(CellType.LSTM, sd, dH, dC, wH, dWd, null);
        CellMath.StepGrad gf = CellMath.backward(CellType.LSTM, sf, dH.castTo(DataType.FLOAT), dC.castTo(DataType.FLOAT),
                wH.castTo(DataType.FLOAT), dWf, null);
        close(gd.dGx, gf.dGx, 1e-6, "dGates");
        close(gd.dHPrev, gf.dHPrev, 1e-6, "dHPrev");
        close(gd.dCPrev, gf.dCPrev, 1e-6, "dCPrev");
        close(dWd, dWf, 1e-6, "dWh");
        // and the double path against the textbook formulas
        INDArray z = gx.add(hPrev.mmul(wH));
        INDArray i = sig(z, 0, h), f = sig(z, 1, h), o = sig(z, 3, h);
        INDArray g = Transforms.tanh(block(z, 2, h), true);
        INDArray c = f.mul(cPrev).addi(i.mul(g));
        close(c, sd.c, 1e-12, "c (formula)");
        close(o.mul(Transforms.tanh(c, true)), sd.h, 1e-12, "h (formula)");
    }

    private static INDArray block(INDArray z, int k, int h) {
        return z.get(NDArrayIndex.all(), NDArrayIndex.interval(k * h, (k + 1) * h)).dup();
    }

    private static INDArray sig(INDArray z, int k, int h) {
        return Transforms.sigmoid(block(z, k, h), true);
    }
}
