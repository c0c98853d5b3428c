package io.caption4j.layers;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

import io.caption4j.layers.math.Scratch;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.params.SameDiffParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Base of caption4j's multi-input graph vertices whose forward and backward passes are written by hand in ND4J.
 * It reuses DL4J's {@link SameDiffVertex} configuration for what every trainable vertex needs (parameter shapes,
 * global updater and regularisation, JSON), but defines no SameDiff graph: {@link #instantiate} creates the
 * subclass's {@link Impl}, which runs {@link Impl#forward} and {@link Impl#backward}.
 */
public abstract class ManualBackpropVertex extends SameDiffVertex {

    /** The fields that define this configuration, for equals and hashCode. */
    protected abstract Object[] configFields();

    /** Creates the runtime vertex over the given parameter view. */
    protected abstract Impl createImpl(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                       boolean initializeParams, DataType dataType);

    @Override
    public GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                   boolean initializeParams, DataType networkDatatype) {
        setName(name);
        return createImpl(graph, name, idx, paramsView, initializeParams, networkDatatype);
    }

    /** Not used: these vertices compute with hand-written ND4J code, not with a SameDiff graph. */
    @Override
    public SDVariable defineVertex(SameDiff sameDiff, Map<String, SDVariable> layerInput,
                                   Map<String, SDVariable> paramTable, Map<String, SDVariable> maskVars) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " runs hand-written forward and backward passes; it defines no SameDiff graph");
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        return outputType(vertexInputs);
    }

    /** The output type for the given input types. */
    protected abstract InputType outputType(InputType... inputs);

    /** Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)), PyTorch's default for linear layers. */
    protected static void uniformInit(INDArray w, long fanIn) {
        double bound = 1.0 / Math.sqrt(fanIn);
        w.assign(Nd4j.rand(w.dataType(), w.shape()).muli(2 * bound).subi(bound));
    }

    protected static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A deep copy through DL4J's JSON mapper (the abstract clone of GraphVertex has no body to reuse). */
    @Override
    public ManualBackpropVertex clone() {
        try {
            ObjectMapper mapper = NeuralNetConfiguration.mapper();
            return (ManualBackpropVertex) mapper.readValue(mapper.writeValueAsString(this),
                    org.deeplearning4j.nn.conf.graph.GraphVertex.class);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot copy " + getClass().getSimpleName(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        ManualBackpropVertex v = (ManualBackpropVertex) o;
        return Arrays.deepEquals(configFields(), v.configFields())
                && Objects.equals(getUpdater(), v.getUpdater())
                && Objects.equals(getBiasUpdater(), v.getBiasUpdater())
                && Objects.equals(getRegularization(), v.getRegularization())
                && Objects.equals(getRegularizationBias(), v.getRegularizationBias())
                && Objects.equals(getGradientNormalization(), v.getGradientNormalization());
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(configFields()) * 31 + getClass().hashCode();
    }

    /** Declares a weight parameter, for {@link #defineParametersAndInputs}. */
    protected static void weights(SDVertexParams params, String key, long... shape) {
        params.addWeightParam(key, shape);
    }

    /** Declares a bias parameter, for {@link #defineParametersAndInputs}. */
    protected static void bias(SDVertexParams params, String key, long... shape) {
        params.addBiasParam(key, shape);
    }

    /**
     * Runtime base: parameter and gradient views, masks, and workspace handling. Subclasses compute outside
     * DL4J's workspaces ({@link #forward}, {@link #backward}); this class moves results into the workspaces DL4J
     * expects.
     */
    public abstract static class Impl extends BaseGraphVertex {
        protected final ManualBackpropVertex config;
        protected final INDArray params;
        protected final Map<String, INDArray> paramTable;
        protected INDArray gradientView;
        protected Map<String, INDArray> gradTable;
        protected INDArray[] masks;
        /** Work arrays reused between passes (a vertex is used by one thread at a time, like every DL4J layer). */
        protected final Scratch scratch = new Scratch();

        protected Impl(ManualBackpropVertex config, ComputationGraph graph, String name, int idx,
                       INDArray paramsView, boolean initializeParams, DataType dataType) {
            super(graph, name, idx, null, null, dataType);
            this.config = config;
            SDVertexParams vp = config.getVertexParams();
            this.paramTable = SameDiffParamInitializer.getInstance().subsetAndReshape(vp.getParameterKeys(),
                    vp.getParamShapes(), paramsView, null, config);
            if (initializeParams) {
                config.initializeParameters(paramTable);
            }
            this.params = paramsView;
        }

        /** Forward pass on detached arrays. */
        protected abstract INDArray forward(INDArray[] inputs, INDArray[] masks, boolean training);

        /** Backward pass on detached arrays; parameter gradients go into {@link #gradTable}. */
        protected abstract INDArray[] backward(INDArray epsilon);

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (!canDoForward()) {
                throw new IllegalStateException("Vertex " + vertexName + ": not all inputs are set");
            }
            INDArray out;
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                out = forward(inputs, masks, training);
            }
            return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            if (gradTable == null) {
                throw new IllegalStateException("Vertex " + vertexName + ": gradient view not set");
            }
            INDArray[] eps;
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                eps = backward(epsilon);
            }
            Gradient g = new DefaultGradient(gradientView);
            for (Map.Entry<String, INDArray> e : gradTable.entrySet()) {
                g.gradientForVariable().put(e.getKey(), e.getValue());
            }
            for (int i = 0; i < eps.length; i++) {
                eps[i] = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, eps[i]);
            }
            return new Pair<>(g, eps);
        }

        @Override
        public void setBackpropGradientsViewArray(INDArray view) {
            this.gradientView = view;
            SDVertexParams vp = config.getVertexParams();
            this.gradTable = SameDiffParamInitializer.getInstance().subsetAndReshape(vp.getParameterKeys(),
                    vp.getParamShapes(), view, null, config);
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                               int minibatchSize) {
            this.masks = maskArrays;
            return new Pair<>(outputMask(maskArrays), currentMaskState);
        }

        /** The mask of this vertex's output, given the input masks. */
        protected abstract INDArray outputMask(INDArray[] inputMasks);

        /** Mask of input i, or null. */
        protected INDArray mask(INDArray[] m, int i) {
            return m == null || m.length <= i ? null : m[i];
        }

        @Override
        public boolean hasLayer() {
            return false;
        }

        @Override
        public Layer getLayer() {
            return null;
        }

        @Override
        public Map<String, INDArray> paramTable(boolean backpropOnly) {
            return paramTable;
        }

        @Override
        public TrainingConfig getConfig() {
            return config;
        }

        @Override
        public INDArray params() {
            return params;
        }

        @Override
        public INDArray getGradientsViewArray() {
            return gradientView;
        }

        /** The configuration's class and the vertex name, e.g. {@code AttentionDecoder(decoder)}. */
        @Override
        public String toString() {
            return config.getClass().getSimpleName() + "(" + vertexName + ")";
        }

        /** Copies an input into a reused, detached, c-ordered array of the network's data type. */
        protected INDArray detached(String key, INDArray x) {
            if (x == null) {
                return null;
            }
            return scratch.get(key, dataType, x.shape()).assign(x);
        }
    }
}
