package io.caption4j.layers.math;

import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.caption4j.layers.ParamKeys.ATT_B;
import static io.caption4j.layers.ParamKeys.ATT_B_BETA;
import static io.caption4j.layers.ParamKeys.ATT_V;
import static io.caption4j.layers.ParamKeys.ATT_W_BETA;
import static io.caption4j.layers.ParamKeys.ATT_W_F;
import static io.caption4j.layers.ParamKeys.ATT_W_S;

/**
 * Additive (Bahdanau) attention, written once for the decoder ({@link DecoderMath}) and {@code AdditiveAttention}.
 * <pre>
 *   score_i = v^T tanh(W_f f_i + W_s s + b)      alpha = softmax(score) over unmasked regions
 *   context = fBeta * sum_i alpha_i f_i          fBeta = sigmoid(h W_beta + b_beta) (optional gate)
 * </pre>
 */
public final class AttentionMath {
    /** Parameter views. wBeta and bBeta are null without the gate. */
    public static final class Params {
        final INDArray wF;    // [F, A]
        final INDArray wS;    // [S, A]
        final INDArray b;     // [A]
        final INDArray v;     // [A, 1]
        final INDArray wBeta; // [H, 1] or null
        final INDArray bBeta; // [1] or null

        public Params(INDArray wF, INDArray wS, INDArray b, INDArray v, INDArray wBeta, INDArray bBeta) {
            this.wF = wF;
            this.wS = wS;
            this.b = b;
            this.v = v;
            this.wBeta = wBeta;
            this.bBeta = bBeta;
        }

        /** The attention parameters (or their gradients) in a table keyed by {@code ParamKeys}. */
        public static Params of(Map<String, INDArray> t) {
            return new Params(t.get(ATT_W_F), t.get(ATT_W_S), t.get(ATT_B), t.get(ATT_V), t.get(ATT_W_BETA), t.get(ATT_B_BETA));
        }

        boolean gated() {
            return wBeta != null;
        }
    }

    /** What one attention step keeps for its backward pass. */
    public static final class Step {
        INDArray s;                 // [B, S] state the scores were conditioned on
        INDArray h;                 // [B, H] hidden state for the gate (null without gate)
        INDArray tq;                // [B, L, A] tanh(W_f f + W_s s + b)
        public INDArray alpha;      // [B, L]
        INDArray contextRaw;        // [B, F] sum_i alpha_i f_i
        INDArray beta;              // [B, 1] gate, null without gate
        public INDArray context;    // [B, F] gated context
    }

    /** Gradients of one step with respect to its state inputs. */
    public static final class StepGrad {
        public INDArray dS; // [B, S]
        public INDArray dH; // [B, H] from the gate, null without gate
    }

    private AttentionMath() {
    }

    /** The mask as a c-ordered array of the features' type, or null. */
    private static INDArray contiguous(INDArray mask, INDArray like) {
        if (mask == null) {
            return null;
        }
        INDArray m = mask.dataType() == like.dataType() ? mask : mask.castTo(like.dataType());
        return AttentionKernels.contiguousC(m) ? m : m.dup('c');
    }

    /** Keys W_f f + b, computed once per image batch: [B, L, F] -> [B, L, A]. */
    public static INDArray projectKeys(Params p, INDArray f) {
        return projectKeys(p, f, null);
    }

    /** As {@link #projectKeys(Params, INDArray)}, into out [B, L, A] when not null. */
    static INDArray projectKeys(Params p, INDArray f, INDArray out) {
        long bSize = f.size(0), regions = f.size(1), featDim = f.size(2);
        INDArray f2 = f.reshape('c', bSize * regions, featDim);            // [B*L, F]
        INDArray fA = out == null ? Ops.mm(f2, p.wF)
                : Ops.mm(f2, p.wF, out.reshape('c', bSize * regions, p.wF.size(1))); // [B*L, A]
        Ops.addRow(fA, p.b);                                               // [B*L, A]
        return fA.reshape('c', bSize, regions, p.wF.size(1));              // [B, L, A]
    }

    /**
     * One attention step.
     * @param f features [B, L, F]; fA keys from {@link #projectKeys} [B, L, A]
     * @param s state [B, S]; h hidden state [B, H] for the gate (ignored without gate)
     * @param mask region mask [B, L] (1 keep, 0 drop) or null
     */
    public static Step forward(Params p, INDArray f, INDArray fA, INDArray s, INDArray h, INDArray mask) {
        return forward(p, f, fA, s, h, mask, null);
    }

    /** As above, writing tanh(...) into tq [B, L, A] when not null (a reused buffer). */
    static Step forward(Params p, INDArray f, INDArray fA, INDArray s, INDArray h, INDArray mask, INDArray tq) {
        long bSize = f.size(0), regions = f.size(1);
        Step st = new Step();
        st.s = s;
        INDArray sA = Ops.mm(s, p.wS);                                          // [B, A]
        st.tq = tq != null ? tq : Nd4j.createUninitializedDetached(fA.dataType(), fA.shape()); // [B, L, A]
        INDArray score = Nd4j.createUninitialized(fA.dataType(), bSize, regions); // [B, L]
        AttentionKernels.scores(fA, sA, p.v, st.tq, score);                  // tq = tanh(fA + sA), score = tq v
        st.alpha = Nd4j.createUninitializedDetached(fA.dataType(), bSize, regions); // [B, L]
        st.contextRaw = Nd4j.createUninitializedDetached(f.dataType(), bSize, f.size(2)); // [B, F]
        // masked softmax, and sum_i alpha_i f_i
        AttentionKernels.softmaxContext(score, contiguous(mask, f), f, st.alpha, st.contextRaw);
        if (p.gated()) {
            st.h = h;
            st.beta = Ops.sigmoidInPlace(Ops.addRow(Ops.mm(h, p.wBeta), p.bBeta)); // [B, 1]
            st.context = st.contextRaw.mulColumnVector(st.beta);             // [B, F]
        } else {
            st.context = st.contextRaw;                                      // [B, F]
        }
        return st;
    }

    /**
     * Backward of one step. Accumulates parameter gradients (except those of W_f and b, which
     * {@link #backwardKeys} adds once from the summed dFA) and adds to dF [B, L, F] and dFA [B, L, A].
     * The step's tq is consumed.
     * @param dContext [B, F]; dAlphaExtra [B, L] gradient reaching alpha directly (penalty) or null
     */
    public static StepGrad backward(Params p, Params g, Step st, INDArray f, INDArray dContext,
                                    INDArray dAlphaExtra, INDArray mask, INDArray dF, INDArray dFA) {
        return backward(p, g, st, f, dContext, dAlphaExtra, mask, dF, dFA, null);
    }

    /**
     * As above; with dSAOut [B, A] not null, the gradient of W_s s goes there and W_s's gradient is left to the
     * caller (the decoder accumulates s^T dSA once, batched over time).
     */
    static StepGrad backward(Params p, Params g, Step st, INDArray f, INDArray dContext,
                             INDArray dAlphaExtra, INDArray mask, INDArray dF, INDArray dFA, INDArray dSAOut) {
        long bSize = f.size(0), regions = f.size(1), attDim = p.wF.size(1);
        StepGrad out = new StepGrad();
        INDArray dRaw = dContext;                                            // [B, F]
        if (p.gated()) {
            INDArray dBeta = dContext.mul(st.contextRaw).sum(true, 1);      // [B, 1]
            dRaw = dContext.mulColumnVector(st.beta);                        // [B, F]
            INDArray dBetaPre = dBeta.muli(Ops.sigmoidDerivFromOutput(st.beta)); // [B, 1]
            Ops.gemmAcc(st.h, dBetaPre, g.wBeta, true, false);               // [H, 1]
            g.bBeta.addi(dBetaPre.sum(0).reshape(g.bBeta.shape()));          // [1]
            out.dH = Ops.mmT(dBetaPre, p.wBeta);                     // [B, H]
        }
        // context = sum_i alpha_i f_i
        dRaw = dRaw.dup('c');                                                // [B, F]
        INDArray dAlpha = Nd4j.createUninitializedDetached(f.dataType(), bSize, regions); // [B, L]
        AttentionKernels.rowDots(f, dRaw, dAlpha);                           // f_i . dRaw
        if (dAlphaExtra != null) {
            dAlpha.addi(dAlphaExtra);                                        // [B, L]
        }
        AttentionKernels.addOuter(dF, st.alpha, dRaw);                     // dF[b,i,:] += alpha[b,i] dRaw[b,:]
        if (mask != null) {
            dAlpha.muli(mask);                                               // [B, L]
        }
        // softmax backward: dScore = alpha * (dAlpha - sum_j alpha_j dAlpha_j)
        INDArray dot = dAlpha.mul(st.alpha).sum(true, 1);                   // [B, 1]
        INDArray dScore = dAlpha.subiColumnVector(dot).muli(st.alpha);      // [B, L]
        INDArray dSA = dSAOut != null ? dSAOut : Nd4j.createUninitializedDetached(dScore.dataType(), bSize, attDim); // [B, A]
        AttentionKernels.scoresBackward(st.tq, dScore, p.v, dFA, dSA, g.v);  // through tanh: dFA += dPre, dSA, dv
        st.tq = null;
        if (dSAOut == null) {
            Ops.gemmAcc(st.s, dSA, g.wS, true, false);                       // [S, A]
        }
        out.dS = Ops.mmT(dSA, p.wS);                                 // [B, S]
        return out;
    }

    /** Gradients through the keys: W_f, b and dF from the summed dFA [B, L, A]. */
    public static void backwardKeys(Params p, Params g, INDArray f, INDArray dFA, INDArray dF) {
        long bSize = f.size(0), regions = f.size(1), featDim = f.size(2), attDim = p.wF.size(1);
        INDArray f2 = f.reshape('c', bSize * regions, featDim);             // [B*L, F]
        INDArray dFA2 = dFA.reshape('c', bSize * regions, attDim);          // [B*L, A]
        Ops.gemmAcc(f2, dFA2, g.wF, true, false);                            // [F, A]
        g.b.addi(dFA2.sum(0).reshape(g.b.shape()));                          // [A]
        dF.addi(Ops.mmT(dFA2, p.wF).reshape('c', bSize, regions, featDim)); // [B, L, F]
    }
}
