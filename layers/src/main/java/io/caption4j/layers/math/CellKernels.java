package io.caption4j.layers.math;

import java.nio.FloatBuffer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import static io.caption4j.layers.math.Ops.block;

/**
 * The LSTM's elementwise step, written once per path as {@link AttentionKernels}: for float one fused pass (ND4J
 * needs a dozen ops and temporaries for it, which dominate a batch-1 decoding step), with
 * sigmoid(x) = (1 + tanh(x / 2)) / 2 and {@link AttentionKernels#tanh}; for every other type (double: the
 * gradient checks) the same formulas in plain ND4J ops. {@code FloatKernelTest} checks one against the other.
 */
final class CellKernels {
    private CellKernels() {
    }

    private static void rowMajor(INDArray a) {
        if (a.rank() != 2 || a.stride(1) != 1 || a.ordering() != 'c' && a.size(0) > 1) {
            throw new IllegalArgumentException("Kernel needs a row-major matrix, got " + a.shapeInfoToString());
        }
    }

    private static float sigmoid(float x) {
        return 0.5f + 0.5f * AttentionKernels.tanh(0.5f * x);
    }

    /**
     * z [B, 4H] gate pre-activations (i, f, g, o), replaced by their activations; cPrev [B, H];
     * writes hc [B, 2H] = [h | c] and tanhC [B, H].
     */
    static void lstm(INDArray z, INDArray cPrev, INDArray hc, INDArray tanhC) {
        rowMajor(z);
        rowMajor(cPrev);
        rowMajor(hc);
        rowMajor(tanhC);
        int bSize = (int) z.size(0), hidden = (int) cPrev.size(1);
        long oZ = z.offset(), sZ = z.stride(0), oC = cPrev.offset(), sC = cPrev.stride(0);
        long oHC = hc.offset(), sHC = hc.stride(0), oT = tanhC.offset(), sT = tanhC.stride(0);
        if (z.dataType() == DataType.FLOAT) {
            FloatBuffer zb = z.data().asNioFloat(), cb = cPrev.data().asNioFloat(), hcb = hc.data().asNioFloat(),
                    tb = tanhC.data().asNioFloat();
            float[] g = new float[4 * hidden], c0 = new float[hidden], out = new float[2 * hidden], tc = new float[hidden];
            for (int b = 0; b < bSize; b++) {
                zb.get((int) (oZ + b * sZ), g);
                cb.get((int) (oC + b * sC), c0);
                for (int j = 0; j < hidden; j++) {
                    float i = sigmoid(g[j]), f = sigmoid(g[hidden + j]);
                    float gg = AttentionKernels.tanh(g[2 * hidden + j]), o = sigmoid(g[3 * hidden + j]);
                    float c = f * c0[j] + i * gg;
                    float t = AttentionKernels.tanh(c);
                    g[j] = i;
                    g[hidden + j] = f;
                    g[2 * hidden + j] = gg;
                    g[3 * hidden + j] = o;
                    out[j] = o * t;
                    out[hidden + j] = c;
                    tc[j] = t;
                }
                zb.put((int) (oZ + b * sZ), g);
                hcb.put((int) (oHC + b * sHC), out);
                tb.put((int) (oT + b * sT), tc);
            }
        } else {
            INDArray i = Transforms.sigmoid(block(z, 0, hidden), false);            // [B, H] each
            INDArray f = Transforms.sigmoid(block(z, 1, hidden), false);
            INDArray g = Transforms.tanh(block(z, 2, hidden), false);
            INDArray o = Transforms.sigmoid(block(z, 3, hidden), false);
            INDArray c = block(hc, 1, hidden).assign(f.mul(cPrev).addi(i.mul(g)));  // c = f*c + i*g
            tanhC.assign(Transforms.tanh(c, true));
            block(hc, 0, hidden).assign(o.mul(tanhC));                              // h = o*tanh(c)
        }
    }

    private static float sigmoidDeriv(float y) {
        return y * (1f - y);
    }

    /**
     * Backward of {@link #lstm}. act [B, 4H] activated gates (i, f, g, o); tanhC, cPrev, dH [B, H]; dC [B, H]
     * or null. Writes dZ [B, 4H] (gradient of the pre-activations) and dCPrev [B, H].
     */
    static void lstmBackward(INDArray act, INDArray tanhC, INDArray cPrev, INDArray dH, INDArray dC,
                             INDArray dZ, INDArray dCPrev) {
        for (INDArray x : new INDArray[]{act, tanhC, cPrev, dH, dZ, dCPrev}) {
            rowMajor(x);
        }
        if (dC != null) {
            rowMajor(dC);
        }
        int bSize = (int) act.size(0), hidden = (int) tanhC.size(1);
        if (act.dataType() == DataType.FLOAT) {
            FloatBuffer ab = act.data().asNioFloat(), tb = tanhC.data().asNioFloat(), cb = cPrev.data().asNioFloat(),
                    hb = dH.data().asNioFloat(), ccb = dC == null ? null : dC.data().asNioFloat(),
                    zb = dZ.data().asNioFloat(), pb = dCPrev.data().asNioFloat();
            float[] a = new float[4 * hidden], t = new float[hidden], c0 = new float[hidden], dh = new float[hidden],
                    dc = new float[hidden], dz = new float[4 * hidden], dcp = new float[hidden];
            for (int b = 0; b < bSize; b++) {
                ab.get((int) (act.offset() + b * act.stride(0)), a);
                tb.get((int) (tanhC.offset() + b * tanhC.stride(0)), t);
                cb.get((int) (cPrev.offset() + b * cPrev.stride(0)), c0);
                hb.get((int) (dH.offset() + b * dH.stride(0)), dh);
                if (ccb != null) {
                    ccb.get((int) (dC.offset() + b * dC.stride(0)), dc);
                }
                for (int j = 0; j < hidden; j++) {
                    float i = a[j], f = a[hidden + j], g = a[2 * hidden + j], o = a[3 * hidden + j];
                    float dct = dh[j] * o * (1f - t[j] * t[j]) + (ccb != null ? dc[j] : 0f);
                    dz[j] = dct * g * sigmoidDeriv(i);
                    dz[hidden + j] = dct * c0[j] * sigmoidDeriv(f);
                    dz[2 * hidden + j] = dct * i * (1f - g * g);
                    dz[3 * hidden + j] = dh[j] * t[j] * sigmoidDeriv(o);
                    dcp[j] = dct * f;
                }
                zb.put((int) (dZ.offset() + b * dZ.stride(0)), dz);
                pb.put((int) (dCPrev.offset() + b * dCPrev.stride(0)), dcp);
            }
        } else {
            INDArray i = block(act, 0, hidden), f = block(act, 1, hidden);          // [B, H] each
            INDArray g = block(act, 2, hidden), o = block(act, 3, hidden);
            INDArray dct = dH.mul(o).muli(Ops.tanhDerivFromOutput(tanhC));         // gradient of c
            if (dC != null) {
                dct.addi(dC);
            }
            block(dZ, 0, hidden).assign(dct.mul(g).muli(Ops.sigmoidDerivFromOutput(i)));
            block(dZ, 1, hidden).assign(dct.mul(cPrev).muli(Ops.sigmoidDerivFromOutput(f)));
            block(dZ, 2, hidden).assign(dct.mul(i).muli(Ops.tanhDerivFromOutput(g)));
            block(dZ, 3, hidden).assign(dH.mul(tanhC).muli(Ops.sigmoidDerivFromOutput(o)));
            dCPrev.assign(dct.mul(f));
        }
    }
}
