package io.caption4j.layers.math;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The LSTM's elementwise step in one pass (ND4J needs a dozen ops and temporaries for it, which dominate a
 * batch-1 decoding step). Float uses sigmoid(x) = (1 + tanh(x / 2)) / 2 with {@link AttentionKernels#tanh}.
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
            DoubleBuffer zb = z.data().asNioDouble(), cb = cPrev.data().asNioDouble(), hcb = hc.data().asNioDouble(),
                    tb = tanhC.data().asNioDouble();
            for (int b = 0; b < bSize; b++) {
                for (int j = 0; j < hidden; j++) {
                    int zi = (int) (oZ + b * sZ);
                    double i = 1 / (1 + Math.exp(-zb.get(zi + j))), f = 1 / (1 + Math.exp(-zb.get(zi + hidden + j)));
                    double gg = Math.tanh(zb.get(zi + 2 * hidden + j)), o = 1 / (1 + Math.exp(-zb.get(zi + 3 * hidden + j)));
                    double c = f * cb.get((int) (oC + b * sC + j)) + i * gg;
                    double t = Math.tanh(c);
                    zb.put(zi + j, i);
                    zb.put(zi + hidden + j, f);
                    zb.put(zi + 2 * hidden + j, gg);
                    zb.put(zi + 3 * hidden + j, o);
                    hcb.put((int) (oHC + b * sHC + j), o * t);
                    hcb.put((int) (oHC + b * sHC + hidden + j), c);
                    tb.put((int) (oT + b * sT + j), t);
                }
            }
        }
    }
}
