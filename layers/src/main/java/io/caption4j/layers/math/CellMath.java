package io.caption4j.layers.math;

import io.caption4j.layers.CellType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static io.caption4j.layers.math.Ops.block;

/**
 * One step of an LSTM or GRU cell, written once for the decoder ({@link DecoderMath}) and the cell vertices.
 * The input part of the gates, {@code gx = x W_x + b} [B, G*H], is computed by the caller so that the
 * decoder can compute the embedding part for all steps in one matrix product.
 * <pre>
 * LSTM (i, f, g, o): z = gx + h W_h; c' = f*c + i*g; h' = o*tanh(c')
 * GRU  (r, z, n):    gh = h W_h + b_h; r = s(gx_r + gh_r); z = s(gx_z + gh_z);
 *                    n = tanh(gx_n + r*gh_n); h' = (1-z)*n + z*h
 * </pre>
 */
public final class CellMath {
    private CellMath() {
    }

    /** What one step keeps for its backward pass. */
    public static final class Step {
        INDArray hPrev;         // [B, H]
        INDArray cPrev;         // [B, H] (LSTM)
        INDArray act;           // [B, G*H] activated gates
        INDArray ghN;           // [B, H] (GRU) h W_hn + b_hn
        INDArray tanhC;         // [B, H] (LSTM) tanh(c')
        public INDArray h;      // [B, H]
        public INDArray c;      // [B, H] (LSTM), null for GRU
        INDArray hc;            // [B, 2H] (LSTM) holding h and c: the attention state [h; c] without a copy
    }

    /** Gradients of one step. */
    public static final class StepGrad {
        public INDArray dGx;   // [B, G*H] gradient of gx
        public INDArray dHPrev; // [B, H]
        public INDArray dCPrev; // [B, H] (LSTM)
    }

    /**
     * @param gx [B, G*H] input part of the gates including b (the LSTM overwrites it); wH [H, G*H];
     *           bH [G*H] (GRU) or null
     */
    public static Step forward(CellType type, INDArray gx, INDArray hPrev, INDArray cPrev, INDArray wH, INDArray bH) {
        long hidden = wH.size(0);
        Step st = new Step();
        st.hPrev = hPrev;
        st.cPrev = cPrev;
        if (type == CellType.LSTM) {
            INDArray z = Nd4j.gemm(hPrev, wH, gx, false, false, 1.0, 1.0); // [B, 4H] pre-activations, in gx
            long bSize = z.size(0);
            st.hc = Nd4j.createUninitializedDetached(z.dataType(), bSize, 2 * hidden); // [B, 2H] = [h | c]
            st.tanhC = Nd4j.createUninitializedDetached(z.dataType(), bSize, hidden);  // [B, H]
            CellKernels.lstm(z, cPrev, st.hc, st.tanhC);                // z -> (i, f, g, o) activations
            st.act = z;
            st.h = st.hc.get(NDArrayIndex.all(), NDArrayIndex.interval(0, hidden));          // [B, H]
            st.c = st.hc.get(NDArrayIndex.all(), NDArrayIndex.interval(hidden, 2 * hidden)); // [B, H]
        } else {
            INDArray gh = Ops.addRow(Ops.mm(hPrev, wH), bH);               // [B, 3H]
            INDArray a = gx.dup();                                      // [B, 3H]
            block(a, 0, hidden).addi(block(gh, 0, hidden));
            block(a, 1, hidden).addi(block(gh, 1, hidden));
            Ops.sigmoidInPlace(block(a, 0, hidden));                    // r
            Ops.sigmoidInPlace(block(a, 1, hidden));                    // z
            st.ghN = block(gh, 2, hidden).dup();                        // [B, H]
            INDArray n = block(a, 2, hidden);
            n.addi(block(a, 0, hidden).mul(st.ghN));
            Ops.tanhInPlace(n);                                         // n
            st.act = a;
            INDArray zg = block(a, 1, hidden);
            st.h = hPrev.sub(n).muli(zg).addi(n);                       // [B, H] (1-z)*n + z*h
        }
        return st;
    }

    /**
     * Backward of one step; accumulates into dWH and dBH (GRU) views.
     * @param dH [B, H] total gradient of h'; dC [B, H] gradient of c' from the next step (LSTM) or null
     */
    public static StepGrad backward(CellType type, Step st, INDArray dH, INDArray dC, INDArray wH,
                                    INDArray dWH, INDArray dBH) {
        return backward(type, st, dH, dC, wH, dWH, dBH, null);
    }

    /**
     * As above; dWH may be null (LSTM: the caller accumulates hPrev^T dGx itself, batched over time) and
     * dGxOut [B, G*H] (LSTM) receives dGx when not null.
     */
    static StepGrad backward(CellType type, Step st, INDArray dH, INDArray dC, INDArray wH,
                             INDArray dWH, INDArray dBH, INDArray dGxOut) {
        long hidden = wH.size(0);
        StepGrad g = new StepGrad();
        INDArray a = st.act;
        if (type == CellType.LSTM) {
            long bSize = a.size(0);
            INDArray dZ = dGxOut != null ? dGxOut : Nd4j.createUninitializedDetached(a.dataType(), bSize, 4 * hidden); // [B, 4H]
            g.dCPrev = Nd4j.createUninitializedDetached(a.dataType(), bSize, hidden);  // [B, H]
            CellKernels.lstmBackward(a, st.tanhC, st.cPrev, dH, dC, dZ, g.dCPrev);
            if (dWH != null) {
                Ops.gemmAcc(st.hPrev, dZ, dWH, true, false);            // [H, 4H]
            }
            g.dHPrev = Ops.mmT(dZ, wH);                                 // [B, H]
            g.dGx = dZ;
        } else {
            INDArray r = block(a, 0, hidden), z = block(a, 1, hidden), n = block(a, 2, hidden);
            INDArray dN = dH.mul(z.rsub(1.0));                          // [B, H]
            INDArray dZg = dH.mul(st.hPrev.sub(n));                     // [B, H]
            INDArray dNPre = dN.muli(Ops.tanhDerivFromOutput(n));       // [B, H]
            INDArray dR = dNPre.mul(st.ghN).muli(Ops.sigmoidDerivFromOutput(r)); // [B, H]
            INDArray dZPre = dZg.muli(Ops.sigmoidDerivFromOutput(z));   // [B, H]
            INDArray dGx = a.ulike();                                   // [B, 3H]
            block(dGx, 0, hidden).assign(dR);
            block(dGx, 1, hidden).assign(dZPre);
            block(dGx, 2, hidden).assign(dNPre);
            INDArray dGh = dGx.dup();                                   // [B, 3H]
            block(dGh, 2, hidden).muli(r);
            Ops.gemmAcc(st.hPrev, dGh, dWH, true, false);               // [H, 3H]
            dBH.addi(dGh.sum(0).reshape(dBH.shape()));                  // [3H]
            g.dHPrev = Ops.mmT(dGh, wH).addi(dH.mul(z));        // [B, H]
            g.dGx = dGx;
        }
        return g;
    }
}
