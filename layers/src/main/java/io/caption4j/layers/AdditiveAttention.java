package io.caption4j.layers;

import java.util.Map;

import io.caption4j.layers.math.AttentionMath;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static io.caption4j.layers.ParamKeys.*;

/**
 * Additive (Bahdanau) attention as a DL4J graph vertex:
 * {@code score_i = v^T tanh(W_f f_i + W_s s + b)}, {@code alpha = softmax(score)} over the regions
 * (masked regions get weight 0), {@code context = fBeta * sum_i alpha_i f_i}.
 * <p>Inputs: 0 features [B, L, F] (optional mask [B, L]), 1 state s [B, S] (h, or [h; c]).
 * Output: context [B, F]. With the gate, {@code fBeta = sigmoid(h W_beta + b_beta)} where h is the first
 * hiddenSize columns of s.
 * <p>A standalone, reusable vertex: {@link AttentionDecoder} does not contain it but calls the same
 * {@link AttentionMath} directly (to batch its products over time). The tests check that maths through this vertex
 * against PyTorch and numerical gradients.
 */
public class AdditiveAttention extends ManualBackpropVertex {
    private int featureSize;
    private int stateSize;
    private int attentionSize;
    private int hiddenSize;
    private boolean gated;

    /** For Jackson. */
    public AdditiveAttention() {
    }

    private AdditiveAttention(Builder b) {
        featureSize = b.featureSize;
        stateSize = b.stateSize;
        attentionSize = b.attentionSize;
        hiddenSize = b.hiddenSize;
        gated = b.gated;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs("features", "state");
        weights(params, ATT_W_F, featureSize, attentionSize);
        weights(params, ATT_W_S, stateSize, attentionSize);
        bias(params, ATT_B, attentionSize);
        weights(params, ATT_V, attentionSize, 1);
        if (gated) {
            weights(params, ATT_W_BETA, hiddenSize, 1);
            bias(params, ATT_B_BETA, 1);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (getVertexParams().isBiasParam(e.getKey())) {
                e.getValue().assign(0);
            } else {
                uniformInit(e.getValue(), e.getValue().size(0));
            }
        }
    }

    @Override
    protected InputType outputType(InputType... inputs) {
        return InputType.feedForward(featureSize);
    }

    @Override
    protected Impl createImpl(ComputationGraph graph, String name, int idx, INDArray paramsView,
                              boolean initializeParams, DataType dataType) {
        return new Impl(this, graph, name, idx, paramsView, initializeParams, dataType);
    }

    @Override
    protected Object[] configFields() {
        return new Object[]{featureSize, stateSize, attentionSize, hiddenSize, gated};
    }

    public int getFeatureSize() { return featureSize; }
    public int getStateSize() { return stateSize; }
    public int getAttentionSize() { return attentionSize; }
    public int getHiddenSize() { return hiddenSize; }
    public boolean isGated() { return gated; }

    /** Builder; featureSize, stateSize and attentionSize are required. */
    public static final class Builder {
        private int featureSize, stateSize, attentionSize, hiddenSize = -1;
        private boolean gated;

        public Builder featureSize(int v) { featureSize = v; return this; }
        public Builder stateSize(int v) { stateSize = v; return this; }
        public Builder attentionSize(int v) { attentionSize = v; return this; }
        /** Columns of the state that hold h, for the gate; default stateSize. */
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        public Builder gated(boolean v) { gated = v; return this; }

        public AdditiveAttention build() {
            require(featureSize > 0, "featureSize must be > 0, got " + featureSize);
            require(stateSize > 0, "stateSize must be > 0, got " + stateSize);
            require(attentionSize > 0, "attentionSize must be > 0, got " + attentionSize);
            if (hiddenSize < 0) {
                hiddenSize = stateSize;
            }
            require(hiddenSize > 0 && hiddenSize <= stateSize,
                    "hiddenSize must be in [1, stateSize=" + stateSize + "], got " + hiddenSize);
            return new AdditiveAttention(this);
        }
    }

    /** Runtime vertex: calls {@link AttentionMath}. */
    public static final class Impl extends ManualBackpropVertex.Impl {
        private final AdditiveAttention conf;
        private AttentionMath.Step last;
        private INDArray lastFeatures, lastKeys, lastMask;

        private Impl(AdditiveAttention conf, ComputationGraph graph, String name, int idx, INDArray paramsView,
                     boolean init, DataType dataType) {
            super(conf, graph, name, idx, paramsView, init, dataType);
            this.conf = conf;
        }

        @Override
        protected INDArray forward(INDArray[] in, INDArray[] m, boolean training) {
            String f = "[batch, regions, " + conf.featureSize + "]";
            Shapes.rank(in[0], 3, vertexName, "features", f);
            Shapes.check(in[0].size(2) == conf.featureSize, vertexName, "features", f, in[0]);
            String s = "[batch, " + conf.stateSize + "]";
            Shapes.rank(in[1], 2, vertexName, "state", s);
            Shapes.check(in[1].size(1) == conf.stateSize && in[1].size(0) == in[0].size(0), vertexName, "state", s, in[1]);
            lastFeatures = detached("features", in[0]);
            INDArray state = detached("state", in[1]);
            lastMask = detached("mask", mask(m, 0));
            AttentionMath.Params p = AttentionMath.Params.of(paramTable);
            lastKeys = AttentionMath.projectKeys(p, lastFeatures);                       // [B, L, A]
            INDArray h = state.get(NDArrayIndex.all(), NDArrayIndex.interval(0, conf.hiddenSize)); // [B, H]
            last = AttentionMath.forward(p, lastFeatures, lastKeys, state, h, lastMask);
            return last.context;                                                         // [B, F]
        }

        @Override
        protected INDArray[] backward(INDArray epsilon) {
            for (INDArray g : gradTable.values()) {
                g.assign(0);
            }
            AttentionMath.Params p = AttentionMath.Params.of(paramTable), g = AttentionMath.Params.of(gradTable);
            INDArray dF = Nd4j.create(lastFeatures.dataType(), lastFeatures.shape());  // [B, L, F]
            INDArray dFA = Nd4j.create(lastFeatures.dataType(), lastKeys.shape());     // [B, L, A]
            AttentionMath.Step st = last;
            AttentionMath.StepGrad sg = AttentionMath.backward(p, g, st, lastFeatures, epsilon.dup('c'), null,
                    lastMask, dF, dFA);
            AttentionMath.backwardKeys(p, g, lastFeatures, dFA, dF);
            INDArray dS = sg.dS;                                                         // [B, S]
            if (sg.dH != null) {
                dS.get(NDArrayIndex.all(), NDArrayIndex.interval(0, conf.hiddenSize)).addi(sg.dH);
            }
            return new INDArray[]{dF, dS};
        }

        @Override
        protected INDArray outputMask(INDArray[] inputMasks) {
            return null;
        }

        /** Attention weights alpha of the last forward pass [B, L], next to the context this vertex outputs. */
        public INDArray lastAlpha() {
            return last == null ? null : last.alpha;
        }
    }
}
