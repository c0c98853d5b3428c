package io.caption4j.layers;

import java.util.Map;

import io.caption4j.layers.math.DecoderMath;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static io.caption4j.layers.ParamKeys.*;

/**
 * The teacher-forced Show, Attend and Tell decoder as a DL4J graph vertex.
 * <p>Inputs: 0 projected features [B, L, F] (mask [B, L] marks real regions), 1 pooled features [B, P],
 * 2 embedded caption tokens [B, E, T] (mask [B, T]). Output: logits [B, V, T].
 * <p>Per step t: attention on the state gives the context, {@code [context; embedding_t]} feeds the cell,
 * then {@code relu(h W_1 + b_1) W + b} gives the logits. The initial state is
 * {@code h0 = relu(pooled W_h + b_h)}, {@code c0 = relu(pooled W_c + b_c)}.
 * <p>With {@code attentionPenalty} lambda > 0, training adds the paper's doubly stochastic penalty
 * {@code lambda / B * sum_b sum_i (1 - sum_t alpha_bti)^2} (sum over unmasked steps) to the score; see
 * {@link CaptionNetwork}. With {@code attentionEntropy} lambdaH > 0 it also adds
 * {@code lambdaH / B * sum_b sum_t H(alpha_bt)}, the entropy of each step's attention, which favours attention on few
 * regions (0, the default, leaves the paper's objective). With {@code outputDropout} p > 0, training drops each unit
 * of h before the output head with probability p (the tutorial's {@code fc(dropout(h))}); inference never drops.
 */
public class AttentionDecoder extends ManualBackpropVertex {
    private int featureSize;
    private int pooledSize;
    private int embeddingSize;
    private int hiddenSize;
    private int attentionSize;
    private int outputHiddenSize;
    private int vocabularySize;
    private CellType cellType = CellType.LSTM;
    private AttentionState attentionState = AttentionState.H_AND_C;
    private boolean gated;
    private double attentionPenalty;
    private double attentionEntropy;
    private double outputDropout;
    private int regions;

    /** For Jackson. */
    public AttentionDecoder() {
    }

    private AttentionDecoder(Builder b) {
        featureSize = b.featureSize;
        pooledSize = b.pooledSize;
        embeddingSize = b.embeddingSize;
        hiddenSize = b.hiddenSize;
        attentionSize = b.attentionSize;
        outputHiddenSize = b.outputHiddenSize;
        vocabularySize = b.vocabularySize;
        cellType = b.cellType;
        attentionState = b.attentionState;
        gated = b.gated;
        attentionPenalty = b.attentionPenalty;
        attentionEntropy = b.attentionEntropy;
        outputDropout = b.outputDropout;
        regions = b.regions;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Size S of the state the attention is conditioned on. */
    public int attentionStateSize() {
        return attentionState == AttentionState.H_AND_C ? 2 * hiddenSize : hiddenSize;
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs("features", "pooled", "embeddings");
        int gh = cellType.gates() * hiddenSize;
        weights(params, INIT_W_H, pooledSize, hiddenSize);
        bias(params, INIT_B_H, hiddenSize);
        if (cellType == CellType.LSTM) {
            weights(params, INIT_W_C, pooledSize, hiddenSize);
            bias(params, INIT_B_C, hiddenSize);
        }
        weights(params, ATT_W_F, featureSize, attentionSize);
        weights(params, ATT_W_S, attentionStateSize(), attentionSize);
        bias(params, ATT_B, attentionSize);
        weights(params, ATT_V, attentionSize, 1);
        if (gated) {
            weights(params, ATT_W_BETA, hiddenSize, 1);
            bias(params, ATT_B_BETA, 1);
        }
        weights(params, CELL_W_X, featureSize + embeddingSize, gh);
        weights(params, CELL_W_H, hiddenSize, gh);
        bias(params, CELL_B, gh);
        if (cellType == CellType.GRU) {
            bias(params, CELL_B_H, gh);
        }
        weights(params, OUT_W_1, hiddenSize, outputHiddenSize);
        bias(params, OUT_B_1, outputHiddenSize);
        weights(params, OUT_W, outputHiddenSize, vocabularySize);
        bias(params, OUT_B, vocabularySize);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray w = e.getValue();
            if (getVertexParams().isBiasParam(e.getKey())) {
                w.assign(0);
            } else {
                uniformInit(w, w.size(0));
            }
        }
        if (cellType == CellType.LSTM) {
            params.get(CELL_B).get(NDArrayIndex.interval(hiddenSize, 2 * hiddenSize)).assign(1.0); // forget gate
        }
    }

    @Override
    protected InputType outputType(InputType... inputs) {
        long steps = inputs.length > 2 && inputs[2] instanceof InputType.InputTypeRecurrent
                ? ((InputType.InputTypeRecurrent) inputs[2]).getTimeSeriesLength() : -1;
        return InputType.recurrent(vocabularySize, steps);
    }

    @Override
    protected Impl createImpl(ComputationGraph graph, String name, int idx, INDArray paramsView,
                              boolean initializeParams, DataType dataType) {
        return new Impl(this, graph, name, idx, paramsView, initializeParams, dataType);
    }

    @Override
    protected Object[] configFields() {
        return new Object[]{featureSize, pooledSize, embeddingSize, hiddenSize, attentionSize, outputHiddenSize,
                vocabularySize, cellType, attentionState, gated, attentionPenalty, attentionEntropy, outputDropout, regions};
    }

    public int getFeatureSize() { return featureSize; }
    public int getPooledSize() { return pooledSize; }
    public int getEmbeddingSize() { return embeddingSize; }
    public int getHiddenSize() { return hiddenSize; }
    public int getAttentionSize() { return attentionSize; }
    public int getOutputHiddenSize() { return outputHiddenSize; }
    public int getVocabularySize() { return vocabularySize; }
    public CellType getCellType() { return cellType; }
    public AttentionState getAttentionState() { return attentionState; }
    public boolean isGated() { return gated; }
    public double getAttentionPenalty() { return attentionPenalty; }
    public double getAttentionEntropy() { return attentionEntropy; }
    public double getOutputDropout() { return outputDropout; }

    /**
     * Sets the entropy weight of further training (a training objective, not part of what the network computes):
     * a fine-tuning stage may train a loaded network with another weight.
     */
    public void setAttentionEntropy(double v) {
        require(v >= 0 && Double.isFinite(v), "attentionEntropy must be finite and >= 0, got " + v);
        attentionEntropy = v;
    }

    /** Sets the output dropout of further training (inference never drops): a fine-tuning stage may choose its own. */
    public void setOutputDropout(double v) {
        require(v >= 0 && v < 1, "outputDropout must be in [0, 1), got " + v);
        outputDropout = v;
    }

    /** The number of feature regions the decoder was trained on (its grid, e.g. 81 for 9x9), or 0 if not recorded. */
    public int getRegions() { return regions; }

    /** Records the grid a trained network reads, for one saved before the grid was recorded (0 = any). */
    public void setRegions(int v) {
        require(v >= 0, "regions must be >= 0 (0 = any), got " + v);
        regions = v;
    }

    /** Builder; featureSize, pooledSize, embeddingSize, hiddenSize, attentionSize and vocabularySize are required. */
    public static final class Builder {
        private int featureSize, pooledSize, embeddingSize, hiddenSize, attentionSize, vocabularySize;
        private int outputHiddenSize = -1;
        private CellType cellType = CellType.LSTM;
        private AttentionState attentionState = null;
        private boolean gated;
        private double attentionPenalty;
        private double attentionEntropy;
        private double outputDropout;
        private int regions;

        public Builder featureSize(int v) { featureSize = v; return this; }
        public Builder pooledSize(int v) { pooledSize = v; return this; }
        public Builder embeddingSize(int v) { embeddingSize = v; return this; }
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        public Builder attentionSize(int v) { attentionSize = v; return this; }
        /** Size of the dense + ReLU layer before the vocabulary projection; default hiddenSize. */
        public Builder outputHiddenSize(int v) { outputHiddenSize = v; return this; }
        public Builder vocabularySize(int v) { vocabularySize = v; return this; }
        public Builder cellType(CellType v) { cellType = v; return this; }
        /** Default: [h; c] for LSTM, h for GRU. */
        public Builder attentionState(AttentionState v) { attentionState = v; return this; }
        /** Gate the context with fBeta = sigmoid(h W_beta + b_beta). */
        public Builder gated(boolean v) { gated = v; return this; }
        /** Weight lambda of the doubly stochastic attention penalty; 0 disables it. */
        public Builder attentionPenalty(double v) { attentionPenalty = v; return this; }
        /** Weight lambdaH of the attention entropy term; 0 (default) disables it. */
        public Builder attentionEntropy(double v) { attentionEntropy = v; return this; }
        /** Dropout probability on h before the output head during training (0, the default: none). */
        public Builder outputDropout(double v) { outputDropout = v; return this; }
        /** The feature regions every input must have (the training grid, e.g. 81 for 9x9); 0 = any (default). */
        public Builder regions(int v) { regions = v; return this; }

        public AttentionDecoder build() {
            require(featureSize > 0, "featureSize must be > 0, got " + featureSize);
            require(pooledSize > 0, "pooledSize must be > 0, got " + pooledSize);
            require(embeddingSize > 0, "embeddingSize must be > 0, got " + embeddingSize);
            require(hiddenSize > 0, "hiddenSize must be > 0, got " + hiddenSize);
            require(attentionSize > 0, "attentionSize must be > 0, got " + attentionSize);
            require(vocabularySize > 1, "vocabularySize must be > 1, got " + vocabularySize);
            require(cellType != null, "cellType must not be null");
            require(regions >= 0, "regions must be >= 0 (0 = any), got " + regions);
            require(attentionPenalty >= 0 && Double.isFinite(attentionPenalty),
                    "attentionPenalty must be finite and >= 0, got " + attentionPenalty);
            require(attentionEntropy >= 0 && Double.isFinite(attentionEntropy),
                    "attentionEntropy must be finite and >= 0, got " + attentionEntropy);
            require(outputDropout >= 0 && outputDropout < 1, "outputDropout must be in [0, 1), got " + outputDropout);
            if (attentionState == null) {
                attentionState = cellType == CellType.LSTM ? AttentionState.H_AND_C : AttentionState.H;
            }
            require(!(attentionState == AttentionState.H_AND_C && cellType == CellType.GRU),
                    "attentionState H_AND_C needs an LSTM cell: a GRU has no cell state c");
            if (outputHiddenSize < 0) {
                outputHiddenSize = hiddenSize;
            }
            require(outputHiddenSize > 0, "outputHiddenSize must be > 0, got " + outputHiddenSize);
            return new AttentionDecoder(this);
        }
    }

    /** Runtime vertex: calls {@link DecoderMath}. */
    public static final class Impl extends ManualBackpropVertex.Impl implements PenaltySource {
        private final AttentionDecoder conf;
        private DecoderMath.Forward last;

        private Impl(AttentionDecoder conf, ComputationGraph graph, String name, int idx, INDArray paramsView,
                     boolean init, DataType dataType) {
            super(conf, graph, name, idx, paramsView, init, dataType);
            this.conf = conf;
        }

        private DecoderMath math() {
            return new DecoderMath(conf.cellType, conf.attentionState, paramTable, scratch);
        }

        @Override
        protected INDArray forward(INDArray[] in, INDArray[] m, boolean training) {
            Shapes.checkDecoderInputs(conf, in[0], in[1], in[2], vertexName);
            INDArray tokenMask = detached("tokenMask", mask(m, 2));
            INDArray regionMask = detached("regionMask", mask(m, 0));
            last = math().forward(detached("features", in[0]), detached("pooled", in[1]), detached("embeddings", in[2]),
                    tokenMask, regionMask, training ? conf.outputDropout : 0.0);
            return last.logits;
        }

        @Override
        protected INDArray[] backward(INDArray epsilon) {
            if (last == null) {
                throw new IllegalStateException("Vertex " + vertexName + ": backward before forward");
            }
            DecoderMath.InputGrads g = math().backward(last, epsilon, conf.attentionPenalty, conf.attentionEntropy, gradTable);
            return new INDArray[]{g.dFeatures, g.dPooled, g.dEmb};
        }

        @Override
        protected INDArray outputMask(INDArray[] inputMasks) {
            return mask(inputMasks, 2);
        }

        /** Attention weights of the last forward pass [B, T, L] (for tests; inference reads them from the step). */
        INDArray lastAlphas() {
            return last == null ? null : last.alphas;
        }

        @Override
        public double penaltyScore() {
            return last == null ? 0.0
                    : DecoderMath.penalty(last, conf.attentionPenalty) + DecoderMath.entropy(last, conf.attentionEntropy);
        }
    }
}
