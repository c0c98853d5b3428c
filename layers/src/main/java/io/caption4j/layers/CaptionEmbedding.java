package io.caption4j.layers;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterUpdate;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

/**
 * Word embedding for captions: token ids [B, T] (or [B, 1, T]) to vectors [B, E, T], with a matrix W
 * [vocabularySize, embeddingSize] (nIn = vocabularySize, nOut = embeddingSize).
 * <p>{@link EmbeddingMode#SCRATCH} starts random; {@link EmbeddingMode#FROZEN} and {@link EmbeddingMode#FINE_TUNE}
 * start from a pretrained matrix (GloVe). FROZEN never updates it (its updater is NoOp). The pretrained matrix
 * is only used to initialise the parameters: it is not part of the JSON configuration. The runtime layer is
 * {@link Impl}.
 */
public class CaptionEmbedding extends FeedForwardLayer {
    private EmbeddingMode mode = EmbeddingMode.SCRATCH;
    @JsonIgnore
    private transient INDArray pretrained;

    /** For Jackson. */
    public CaptionEmbedding() {
    }

    private CaptionEmbedding(Builder b) {
        super(b);
        this.mode = b.mode;
        this.pretrained = b.pretrained;
        initializeConstraints(b);
    }

    public static Builder builder() {
        return new Builder();
    }

    public EmbeddingMode getMode() {
        return mode;
    }

    /** The matrix that initialises W, or null (not serialised; for tests). */
    INDArray getPretrained() {
        return pretrained;
    }

    /** Sets the matrix that initialises W when the network is initialised, e.g. after loading a configuration. */
    public void setPretrained(INDArray matrix) {
        checkMatrix(matrix, nIn, nOut);
        this.pretrained = matrix;
    }

    private static void checkMatrix(INDArray m, long vocab, long dim) {
        if (m != null && (m.rank() != 2 || m.size(0) != vocab || m.size(1) != dim)) {
            throw new IllegalArgumentException("Pretrained embedding matrix must have shape [" + vocab + ", " + dim
                    + "] (vocabularySize, embeddingSize), got " + Arrays.toString(m.shape()));
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        Impl ret = new Impl(conf, dataType);
        ret.setListeners(listeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(paramsView);
        Map<String, INDArray> paramTable = initializer().init(conf, paramsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    @Override
    public ParamInitializer initializer() {
        return EmbeddingInitializer.INSTANCE;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return mode == EmbeddingMode.FROZEN ? new NoOp() : super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return mode == EmbeddingMode.FROZEN ? Collections.emptyList() : super.getRegularizationByParam(paramName);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        long steps = inputType instanceof InputType.InputTypeRecurrent
                ? ((InputType.InputTypeRecurrent) inputType).getTimeSeriesLength() : -1;
        return InputType.recurrent(nOut, steps);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, CaptionEmbedding.class, inputType,
                getOutputType(-1, inputType)).standardMemory(nIn * nOut, 0).workingMemory(0, 0, 0, 0)
                .cacheMemory(0, 0).build();
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && o instanceof CaptionEmbedding && ((CaptionEmbedding) o).mode == mode;
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + mode.hashCode();
    }

    /** W only, no bias; copies the pretrained matrix when there is one. */
    static final class EmbeddingInitializer extends DefaultParamInitializer {
        static final EmbeddingInitializer INSTANCE = new EmbeddingInitializer();

        @Override
        protected boolean hasBias(Layer layer) {
            return false;
        }

        @Override
        public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
            CaptionEmbedding c = (CaptionEmbedding) conf.getLayer();
            if (initializeParams && c.mode != EmbeddingMode.SCRATCH && c.pretrained == null) {
                throw new IllegalStateException("CaptionEmbedding '" + c.getLayerName() + "' is in mode " + c.mode
                        + " but has no pretrained matrix: set one with setPretrained(...) before init(), or load"
                        + " trained parameters");
            }
            Map<String, INDArray> table = super.init(conf, paramsView, initializeParams);
            if (initializeParams && c.pretrained != null) {
                table.get(DefaultParamInitializer.WEIGHT_KEY).assign(c.pretrained);
            }
            return table;
        }
    }

    /** Builder; vocabularySize (nIn) and embeddingSize (nOut) are required. */
    public static final class Builder extends FeedForwardLayer.Builder<Builder> {
        private EmbeddingMode mode = EmbeddingMode.SCRATCH;
        private INDArray pretrained;

        public Builder() {
            activation(Activation.IDENTITY);
            weightInit(WeightInit.NORMAL);
        }

        public Builder vocabularySize(int v) { return nIn(v); }
        public Builder embeddingSize(int v) { return nOut(v); }
        public Builder mode(EmbeddingMode m) { this.mode = m; return this; }

        /** The pretrained matrix [vocabularySize, embeddingSize] for FROZEN and FINE_TUNE. */
        public Builder pretrained(INDArray matrix) { this.pretrained = matrix; return this; }

        @Override
        @SuppressWarnings("unchecked")
        public CaptionEmbedding build() {
            if (nIn <= 1 || nOut <= 0) {
                throw new IllegalArgumentException("CaptionEmbedding needs vocabularySize > 1 and embeddingSize > 0, got "
                        + nIn + " and " + nOut);
            }
            if (mode == null) {
                throw new IllegalArgumentException("mode must not be null");
            }
            if (mode == EmbeddingMode.SCRATCH && pretrained != null) {
                throw new IllegalArgumentException("A pretrained matrix was given with mode SCRATCH: use FROZEN or FINE_TUNE");
            }
            if (mode != EmbeddingMode.SCRATCH && pretrained == null) {
                throw new IllegalArgumentException("Mode " + mode + " needs a pretrained matrix");
            }
            checkMatrix(pretrained, nIn, nOut);
            return new CaptionEmbedding(this);
        }
    }

    /** Runtime layer: looks up the rows of W; backward scatters the gradient into them (none when FROZEN). */
    public static final class Impl extends BaseLayer<CaptionEmbedding> {
        private int[] lastIds;
        private long lastBatch, lastSteps;

        private Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /** Token ids [B, T] or [B, 1, T] as ints, checked against the vocabulary. */
        private int[] ids(INDArray in) {
            String name = layerConf().getLayerName();
            Shapes.check(in.rank() == 2 || (in.rank() == 3 && in.size(1) == 1), name, "token ids", "[batch, steps]", in);
            long vocab = layerConf().getNIn();
            INDArray flat = in.castTo(DataType.INT64).dup('c').reshape(in.length());
            long[] raw = flat.toLongVector();
            int[] out = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] < 0 || raw[i] >= vocab) {
                    throw new IllegalArgumentException("Layer '" + name + "': token id " + raw[i]
                            + " is outside the vocabulary [0, " + vocab + ")");
                }
                out[i] = (int) raw[i];
            }
            return out;
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(false);
            INDArray out;
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                lastIds = ids(input);
                lastBatch = input.size(0);
                lastSteps = input.size(input.rank() - 1);
                INDArray rows = Nd4j.pullRows(getParam(DefaultParamInitializer.WEIGHT_KEY), 1, lastIds); // [B*T, E]
                out = rows.reshape('c', lastBatch, lastSteps, layerConf().getNOut())                   // [B, T, E]
                        .permute(0, 2, 1).dup('c');                                                      // [B, E, T]
            }
            return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            INDArray gW = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
            gW.assign(0);
            if (layerConf().getMode() != EmbeddingMode.FROZEN) {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    INDArray delta = epsilon.permute(0, 2, 1).dup('c')                                  // [B, T, E]
                            .reshape('c', lastBatch * lastSteps, layerConf().getNOut());                 // [B*T, E]
                    if (maskArray != null) {
                        delta.muliColumnVector(maskArray.castTo(delta.dataType()).dup('c').reshape(lastBatch * lastSteps, 1));
                    }
                    INDArray dW = Nd4j.zeros(gW.dataType(), gW.shape());                               // [V, E], c order
                    Nd4j.scatterUpdate(ScatterUpdate.UpdateOp.ADD, dW, Nd4j.createFromArray(lastIds), delta, 1);
                    gW.assign(dW);                                                                     // gW is 'f' ordered
                }
            }
            Gradient g = new DefaultGradient();
            g.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, gW);
            return new Pair<>(g, null);
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                              int minibatchSize) {
            this.maskArray = maskArray;
            return new Pair<>(maskArray, currentMaskState);
        }

        @Override
        public boolean hasBias() {
            return false;
        }

        @Override
        public boolean isPretrainLayer() {
            return false;
        }
    }
}
