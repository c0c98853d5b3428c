package io.caption4j.layers.math;

import java.util.Map;

import io.caption4j.layers.AttentionState;
import io.caption4j.layers.CellType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import static io.caption4j.layers.ParamKeys.*;

/**
 * The Show, Attend and Tell decoder maths: initial state, one step, output head, the teacher-forced
 * pass and its backward pass. {@code AttentionDecoderStep} (inference) and the {@code AttentionDecoder} layer
 * (training) both call {@link #step}, so they compute the same numbers.
 * <p>Shapes: B batch, L regions, F feature (encoder) size, P pooled size, E embedding size, H hidden,
 * A attention size, D output dense size, V vocabulary, T steps, S attention state size (H or 2H).
 */
public final class DecoderMath {
    private final CellType cell;
    private final AttentionState attState;
    private final Map<String, INDArray> p;
    private final AttentionMath.Params att;
    private final long featDim;
    private final Scratch scratch;
    private final INDArray wxContext;   // [F, G*H] rows of W_x for the context
    private final INDArray wxEmbedding; // [E, G*H] rows of W_x for the embedding

    public DecoderMath(CellType cell, AttentionState attState, Map<String, INDArray> params) {
        this(cell, attState, params, null);
    }

    /** With a Scratch, the teacher-forced pass reuses its work arrays between calls (one thread only). */
    public DecoderMath(CellType cell, AttentionState attState, Map<String, INDArray> params, Scratch scratch) {
        this.scratch = scratch;
        this.cell = cell;
        this.attState = attState;
        this.p = params;
        this.att = AttentionMath.Params.of(params);
        this.featDim = params.get(ATT_W_F).size(0);
        INDArray wx = params.get(CELL_W_X);
        this.wxContext = Ops.rows(wx, 0, featDim);
        this.wxEmbedding = Ops.rows(wx, featDim, wx.size(0));
    }

    /** Recurrent state of a batch of captions. */
    public static final class State {
        public INDArray h;  // [B, H]
        public INDArray c;  // [B, H] (LSTM), null for GRU
        INDArray hc;        // [B, 2H] = [h | c] when h and c are views of it, else null

        public State(INDArray h, INDArray c) {
            this.h = h;
            this.c = c;
        }

        State(CellMath.Step st) {
            this(st.h, st.c);
            this.hc = st.hc;
        }
    }

    /** Everything one step keeps for its backward pass. */
    public static final class StepCache {
        public AttentionMath.Step att;
        public CellMath.Step cell;
    }

    /** The initial state h0 = relu(pooled W_h + b_h), c0 = relu(pooled W_c + b_c). pooled [B, P]. */
    public State initialState(INDArray pooled) {
        INDArray h0 = Transforms.relu(Ops.addRow(Ops.mm(pooled, p.get(INIT_W_H)), p.get(INIT_B_H)), false); // [B, H]
        INDArray c0 = null;
        if (cell == CellType.LSTM) {
            c0 = Transforms.relu(Ops.addRow(Ops.mm(pooled, p.get(INIT_W_C)), p.get(INIT_B_C)), false);    // [B, H]
        }
        return new State(h0, c0);
    }

    /** Attention keys for features [B, L, F] -> [B, L, A]. */
    public INDArray keys(INDArray features) {
        return AttentionMath.projectKeys(att, features);
    }

    /** Embedding part of the gates, emb W_x[F:, :] + b: [N, E] -> [N, G*H]. */
    public INDArray embeddingGates(INDArray emb) {
        return Ops.addRow(Ops.mm(emb, wxEmbedding), p.get(CELL_B)); // [N, G*H]
    }

    private INDArray attentionInput(State s) {
        if (attState == AttentionState.H) {
            return s.h;                                                                 // [B, H]
        }
        return s.hc != null ? s.hc : Nd4j.hstack(s.h, s.c);                             // [B, 2H]
    }

    /**
     * One decoder step: attention on the previous state, then [context; embedding] into the cell.
     * @param gxEmb embedding part of the gates [B, G*H] from {@link #embeddingGates}
     * @return the cache; the new state is {@code cache.cell.h}, {@code cache.cell.c}
     */
    public StepCache step(INDArray features, INDArray keys, INDArray regionMask, State s, INDArray gxEmb) {
        return step(features, keys, regionMask, s, gxEmb, null);
    }

    private StepCache step(INDArray features, INDArray keys, INDArray regionMask, State s, INDArray gxEmb, INDArray tq) {
        StepCache sc = new StepCache();
        sc.att = AttentionMath.forward(att, features, keys, attentionInput(s), s.h, regionMask, tq);
        INDArray gx = Nd4j.gemm(sc.att.context, wxContext, gxEmb.dup('c'), false, false, 1.0, 1.0); // [B, G*H]
        sc.cell = CellMath.forward(cell, gx, s.h, s.c, p.get(CELL_W_H), p.get(CELL_B_H));
        return sc;
    }

    /** The recurrent state after a step. */
    public State nextState(StepCache sc) {
        return new State(sc.cell);
    }

    /** The output head: relu(h W_1 + b_1) W + b. Returns {z1 [N, D], logits [N, V]}. */
    public INDArray[] output(INDArray h) {
        INDArray z1 = Transforms.relu(Ops.addRow(Ops.mm(h, p.get(OUT_W_1)), p.get(OUT_B_1)), false); // [N, D]
        INDArray logits = Ops.addRow(Ops.mm(z1, p.get(OUT_W)), p.get(OUT_B));                     // [N, V]
        return new INDArray[]{z1, logits};
    }

    /** Cache of a teacher-forced pass. */
    public static final class Forward {
        public INDArray logits;    // [B, V, T]
        public INDArray alphas;    // [B, T, L]
        INDArray features, pooled, keys, regionMask, tokenMask; // inputs
        INDArray embTime;          // [T*B, E] embeddings, time-major
        State init;
        StepCache[] steps;
        INDArray hAll;             // [T*B, H] time-major
        INDArray dropMask;         // [T*B, H] output dropout's kept units / (1 - p), null without dropout
        INDArray hOut;             // [T*B, H] what the output head reads: hAll, or hAll * dropMask
        INDArray z1;               // [T*B, D]
        INDArray coverage;         // [B, L] sum over unmasked steps of alpha
    }

    /**
     * Teacher-forced pass.
     * @param features [B, L, F]; pooled [B, P]; emb [B, E, T]; tokenMask [B, T] or null; regionMask [B, L] or null
     */
    public Forward forward(INDArray features, INDArray pooled, INDArray emb, INDArray tokenMask, INDArray regionMask) {
        return forward(features, pooled, emb, tokenMask, regionMask, 0.0);
    }

    /**
     * Teacher-forced pass with dropout of probability {@code outputDropout} on h before the output head (training
     * only: inference never drops; the mask comes from ND4J's random generator).
     */
    public Forward forward(INDArray features, INDArray pooled, INDArray emb, INDArray tokenMask, INDArray regionMask,
                           double outputDropout) {
        long bSize = emb.size(0), embDim = emb.size(1), steps = emb.size(2), regions = features.size(1);
        Forward fw = new Forward();
        fw.features = features;
        fw.pooled = pooled;
        fw.regionMask = regionMask;
        fw.tokenMask = tokenMask;
        DataType dt = emb.dataType();
        long hidden = p.get(CELL_W_H).size(0), gates = p.get(CELL_W_X).size(1);
        fw.keys = AttentionMath.projectKeys(att, features,
                Scratch.get(scratch, "keys", dt, bSize, regions, att.wF.size(1)));               // [B, L, A]
        fw.embTime = Scratch.get(scratch, "embTime", dt, steps, bSize, embDim)
                .assign(emb.permute(2, 0, 1)).reshape('c', steps * bSize, embDim);              // [T*B, E]
        INDArray gxEmbAll = Ops.addRow(Ops.mm(fw.embTime, wxEmbedding,
                Scratch.get(scratch, "gxEmb", dt, steps * bSize, gates)), p.get(CELL_B));       // [T*B, G*H]
        fw.init = initialState(pooled);
        State s = fw.init;
        fw.steps = new StepCache[(int) steps];
        fw.hAll = Scratch.get(scratch, "hAll", dt, steps * bSize, hidden);                      // [T*B, H]
        fw.alphas = Scratch.get(scratch, "alphas", dt, bSize, steps, regions);                  // [B, T, L]
        for (int t = 0; t < steps; t++) {
            INDArray gxEmb = Ops.rows(gxEmbAll, t * bSize, (t + 1) * bSize);                    // [B, G*H]
            StepCache sc = step(features, fw.keys, regionMask, s, gxEmb,
                    Scratch.get(scratch, "tq" + t, dt, fw.keys.shape()));
            fw.steps[t] = sc;
            Ops.rows(fw.hAll, t * bSize, (t + 1) * bSize).assign(sc.cell.h);
            fw.alphas.get(NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all()).assign(sc.att.alpha);
            s = new State(sc.cell);
        }
        long outHidden = p.get(OUT_W_1).size(1), vocab = p.get(OUT_W).size(1);
        fw.hOut = fw.hAll;
        if (outputDropout > 0) {
            fw.dropMask = Nd4j.rand(dt, steps * bSize, hidden).gt(outputDropout).castTo(dt)
                    .divi(1.0 - outputDropout);                                                 // [T*B, H]
            fw.hOut = fw.hAll.mul(fw.dropMask);                                                 // [T*B, H]
        }
        fw.z1 = Transforms.relu(Ops.addRow(Ops.mm(fw.hOut, p.get(OUT_W_1),
                Scratch.get(scratch, "z1", dt, steps * bSize, outHidden)), p.get(OUT_B_1)), false);  // [T*B, D]
        INDArray logits2d = Ops.addRow(Ops.mm(fw.z1, p.get(OUT_W),
                Scratch.get(scratch, "logits2d", dt, steps * bSize, vocab)), p.get(OUT_B));          // [T*B, V]
        fw.logits = Scratch.get(scratch, "logits", dt, bSize, vocab, steps)
                .assign(logits2d.reshape('c', steps, bSize, vocab).permute(1, 2, 0));               // [B, V, T]
        if (tokenMask == null) {
            fw.coverage = fw.alphas.sum(1);                                              // [B, L]
        } else {
            INDArray m = tokenMask.castTo(fw.alphas.dataType()).reshape('c', bSize, 1, steps); // [B, 1, T]
            fw.coverage = Nd4j.matmul(m, fw.alphas).reshape('c', bSize, regions);        // [B, L]
        }
        return fw;
    }

    /** Doubly stochastic attention penalty lambda/B * sum_b sum_i (1 - sum_t alpha_bti)^2. */
    public static double penalty(Forward fw, double lambda) {
        if (lambda == 0.0) {
            return 0.0;
        }
        INDArray gap = fw.coverage.rsub(1.0);                                            // [B, L]
        return lambda * gap.mul(gap).sumNumber().doubleValue() / fw.coverage.size(0);
    }

    /**
     * Attention entropy term lambdaH/B * sum_b sum_t H(alpha_bt) over unmasked steps, H = -sum_i alpha_i ln alpha_i:
     * a positive lambdaH rewards attention that picks few regions.
     */
    public static double entropy(Forward fw, double lambdaH) {
        if (lambdaH == 0.0) {
            return 0.0;
        }
        INDArray alphas = fw.alphas;                                                     // [B, T, L]
        INDArray h = alphas.mul(Transforms.log(Transforms.max(alphas, ALPHA_FLOOR, true), false))
                .sum(2).negi();                                                          // [B, T]
        if (fw.tokenMask != null) {
            h.muli(fw.tokenMask.castTo(h.dataType()));                                   // [B, T]
        }
        return lambdaH * h.sumNumber().doubleValue() / alphas.size(0);
    }

    /** Masked regions have alpha 0; their log is taken of this floor (their gradient is then zeroed by the mask). */
    private static final double ALPHA_FLOOR = 1e-30;

    /** Gradients of the decoder inputs. */
    public static final class InputGrads {
        public INDArray dFeatures; // [B, L, F]
        public INDArray dPooled;   // [B, P]
        public INDArray dEmb;      // [B, E, T]
    }

    /**
     * Backward of the teacher-forced pass. Parameter gradients go into {@code g} (views, zeroed here).
     * @param dLogits [B, V, T]; lambda attention penalty weight, lambdaH attention entropy weight (0 for none)
     */
    public InputGrads backward(Forward fw, INDArray dLogits, double lambda, double lambdaH, Map<String, INDArray> g) {
        for (INDArray v : g.values()) {
            v.assign(0);
        }
        AttentionMath.Params gAtt = AttentionMath.Params.of(g);
        INDArray features = fw.features;
        long bSize = dLogits.size(0), vocab = dLogits.size(1), steps = dLogits.size(2);
        long hidden = p.get(CELL_W_H).size(0);
        DataType dt = dLogits.dataType();
        long outHidden = p.get(OUT_W_1).size(1);
        INDArray dLog = Scratch.get(scratch, "dLog", dt, steps, bSize, vocab)
                .assign(dLogits.permute(2, 0, 1)).reshape('c', steps * bSize, vocab);        // [T*B, V]
        // output head
        Ops.gemmAcc(fw.z1, dLog, g.get(OUT_W), true, false);                             // [D, V]
        g.get(OUT_B).addi(dLog.sum(0).reshape(g.get(OUT_B).shape()));                    // [V]
        INDArray dZ1 = Ops.mmT(dLog, p.get(OUT_W), Scratch.get(scratch, "dZ1", dt, steps * bSize, outHidden)); // [T*B, D]
        dZ1.muli(fw.z1.gt(0.0).castTo(dZ1.dataType()));                                 // relu'
        Ops.gemmAcc(fw.hOut, dZ1, g.get(OUT_W_1), true, false);                          // [H, D]
        g.get(OUT_B_1).addi(dZ1.sum(0).reshape(g.get(OUT_B_1).shape()));                 // [D]
        INDArray dHAll = Ops.mmT(dZ1, p.get(OUT_W_1), Scratch.get(scratch, "dHAll", dt, steps * bSize, hidden)); // [T*B, H]
        if (fw.dropMask != null) {
            dHAll.muli(fw.dropMask);                                                     // [T*B, H]
        }

        INDArray dAlphaPen = null;
        if (lambda != 0.0) {
            // DL4J's convention: gradients are summed over the batch and its updater divides by B
            dAlphaPen = fw.coverage.rsub(1.0).muli(-2.0 * lambda);                       // [B, L]
        }
        INDArray dF = Scratch.zeros(scratch, "dF", dt, features.shape());               // [B, L, F]
        INDArray dFA = Scratch.zeros(scratch, "dFA", dt, fw.keys.shape());              // [B, L, A]
        INDArray dGxAll = Scratch.get(scratch, "dGx", dt, steps * bSize, p.get(CELL_W_X).size(1)); // [T*B, G*H]
        INDArray ctxAll = Scratch.get(scratch, "ctxAll", dt, steps * bSize, featDim);    // [T*B, F]
        INDArray wxCtx = wxContext;
        long stateSize = att.wS.size(0), attDim = att.wS.size(1);
        INDArray sAll = Scratch.get(scratch, "sAll", dt, steps * bSize, stateSize);      // [T*B, S]
        INDArray dSAAll = Scratch.get(scratch, "dSAAll", dt, steps * bSize, attDim);     // [T*B, A]
        boolean lstm = cell == CellType.LSTM;
        INDArray dH = Nd4j.create(dLog.dataType(), bSize, hidden);                       // [B, H]
        INDArray dC = cell == CellType.LSTM ? Nd4j.create(dLog.dataType(), bSize, hidden) : null;
        for (int t = (int) steps - 1; t >= 0; t--) {
            StepCache sc = fw.steps[t];
            dH.addi(Ops.rows(dHAll, t * bSize, (t + 1) * bSize));
            INDArray dGxRows = Ops.rows(dGxAll, t * bSize, (t + 1) * bSize);              // [B, G*H]
            CellMath.StepGrad cg = CellMath.backward(cell, sc.cell, dH, dC, p.get(CELL_W_H),
                    lstm ? null : g.get(CELL_W_H), g.get(CELL_B_H), lstm ? dGxRows : null);
            if (!lstm) {
                dGxRows.assign(cg.dGx);
            }
            Ops.rows(sAll, t * bSize, (t + 1) * bSize).assign(sc.att.s);
            INDArray dCtx = Ops.mmT(cg.dGx, wxCtx);                              // [B, F]
            Ops.rows(ctxAll, t * bSize, (t + 1) * bSize).assign(sc.att.context);
            INDArray dAlphaExtra = null;
            if (dAlphaPen != null) {
                dAlphaExtra = dAlphaPen.dup();                                           // [B, L]
            }
            if (lambdaH != 0.0) {
                // dH/dalpha_i = -(ln alpha_i + 1)
                INDArray dEnt = Transforms.log(Transforms.max(sc.att.alpha, ALPHA_FLOOR, true), false)
                        .addi(1.0).muli(-lambdaH);                                       // [B, L]
                dAlphaExtra = dAlphaExtra == null ? dEnt : dAlphaExtra.addi(dEnt);
            }
            if (dAlphaExtra != null && fw.tokenMask != null) {
                dAlphaExtra.muliColumnVector(fw.tokenMask.get(NDArrayIndex.all(), NDArrayIndex.point(t))
                        .reshape(bSize, 1).castTo(dAlphaExtra.dataType()));             // [B, L]
            }
            AttentionMath.StepGrad ag = AttentionMath.backward(att, gAtt, sc.att, features, dCtx, dAlphaExtra,
                    fw.regionMask, dF, dFA, Ops.rows(dSAAll, t * bSize, (t + 1) * bSize));
            dH = cg.dHPrev;
            dC = cg.dCPrev;
            if (attState == AttentionState.H_AND_C) {
                dH.addi(ag.dS.get(NDArrayIndex.all(), NDArrayIndex.interval(0, hidden)));
                dC.addi(ag.dS.get(NDArrayIndex.all(), NDArrayIndex.interval(hidden, 2 * hidden)));
            } else {
                dH.addi(ag.dS);
            }
            if (ag.dH != null) {
                dH.addi(ag.dH);
            }
            fw.steps[t] = null;
        }
        // weights of the recurrent and attention-state products, batched over time
        Ops.gemmAcc(sAll, dSAAll, gAtt.wS, true, false);                                 // [S, A]
        if (lstm) {
            INDArray hPrevAll = Scratch.get(scratch, "hPrevAll", dt, steps * bSize, hidden); // [T*B, H] h_{t-1}
            Ops.rows(hPrevAll, 0, bSize).assign(fw.init.h);
            if (steps > 1) {
                Ops.rows(hPrevAll, bSize, steps * bSize).assign(Ops.rows(fw.hAll, 0, (steps - 1) * bSize));
            }
            Ops.gemmAcc(hPrevAll, dGxAll, g.get(CELL_W_H), true, false);                 // [H, 4H]
        }
        // input weights, batched over time
        INDArray gWx = g.get(CELL_W_X);
        Ops.gemmAcc(ctxAll, dGxAll, Ops.rows(gWx, 0, featDim), true, false);
        Ops.gemmAcc(fw.embTime, dGxAll, Ops.rows(gWx, featDim, gWx.size(0)), true, false);
        g.get(CELL_B).addi(dGxAll.sum(0).reshape(g.get(CELL_B).shape()));               // [G*H]
        INDArray wxEmb = wxEmbedding;
        INDArray dEmbTime = Ops.mmT(dGxAll, wxEmb,
                Scratch.get(scratch, "dEmbTime", dt, steps * bSize, wxEmb.size(0)));        // [T*B, E]
        AttentionMath.backwardKeys(att, gAtt, features, dFA, dF);
        // initial state
        InputGrads ig = new InputGrads();
        INDArray dH0Pre = dH.muli(fw.init.h.gt(0.0).castTo(dH.dataType()));              // [B, H]
        Ops.gemmAcc(fw.pooled, dH0Pre, g.get(INIT_W_H), true, false);                    // [P, H]
        g.get(INIT_B_H).addi(dH0Pre.sum(0).reshape(g.get(INIT_B_H).shape()));
        ig.dPooled = Ops.mmT(dH0Pre, p.get(INIT_W_H));                           // [B, P]
        if (cell == CellType.LSTM) {
            INDArray dC0Pre = dC.muli(fw.init.c.gt(0.0).castTo(dC.dataType()));          // [B, H]
            Ops.gemmAcc(fw.pooled, dC0Pre, g.get(INIT_W_C), true, false);                // [P, H]
            g.get(INIT_B_C).addi(dC0Pre.sum(0).reshape(g.get(INIT_B_C).shape()));
            ig.dPooled.addi(Ops.mmT(dC0Pre, p.get(INIT_W_C)));
        }
        long embDim = fw.embTime.size(1);
        ig.dEmb = Scratch.get(scratch, "dEmb", dt, bSize, embDim, steps)
                .assign(dEmbTime.reshape('c', steps, bSize, embDim).permute(1, 2, 0));       // [B, E, T]
        ig.dFeatures = dF;
        return ig;
    }
}
