package io.caption4j.layers;

import java.util.Collection;
import java.util.Map;

import io.caption4j.layers.math.Ops;
import io.caption4j.layers.math.Scratch;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Projects every region of an encoder feature map: {@code [B, L, featDim] -> [B, L, encDim]}, dense
 * ({@code x W + b}) then the activation (ReLU by default). Optional dropout (DL4J's {@code dropOut}) applies
 * to the input features during training. Parameters W [featDim, encDim], b [1, encDim] (DL4J's dense keys).
 * The runtime layer is {@link Impl}.
 */
public class FeatureProjection extends FeedForwardLayer {
    private boolean inputGradient = true;

    /** For Jackson. */
    public FeatureProjection() {
    }

    private FeatureProjection(Builder b) {
        super(b);
        this.inputGradient = b.inputGradient;
        initializeConstraints(b);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether backprop computes the gradient of the input (false when the input is a network input). */
    public boolean isInputGradient() {
        return inputGradient;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && o instanceof FeatureProjection
                && ((FeatureProjection) o).inputGradient == inputGradient;
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + Boolean.hashCode(inputGradient);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf,
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
        return DefaultParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        long regions = inputType instanceof InputType.InputTypeRecurrent
                ? ((InputType.InputTypeRecurrent) inputType).getTimeSeriesLength() : -1;
        return InputType.recurrent(nOut, regions);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, FeatureProjection.class, inputType,
                getOutputType(-1, inputType)).standardMemory(nIn * nOut + nOut, 0).workingMemory(0, 0, 0, 0)
                .cacheMemory(0, 0).build();
    }

    /** Builder; nIn (feature size) and nOut (projection size) are required. Activation defaults to ReLU. */
    public static final class Builder extends FeedForwardLayer.Builder<Builder> {
        private boolean inputGradient = true;

        public Builder() {
            activation(Activation.RELU);
        }

        /**
         * Set false when the layer's input is a network input (the encoder's features): backprop then skips the
         * [B*L, encDim] x [encDim, featDim] product for an input gradient nobody uses, and returns none.
         */
        public Builder inputGradient(boolean v) {
            this.inputGradient = v;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public FeatureProjection build() {
            if (nIn <= 0 || nOut <= 0) {
                throw new IllegalArgumentException("FeatureProjection needs nIn > 0 and nOut > 0, got nIn=" + nIn
                        + " nOut=" + nOut);
            }
            return new FeatureProjection(this);
        }
    }

    /** Runtime layer: {@code act(x W + b)} per region, with its backward pass. */
    public static final class Impl extends BaseLayer<FeatureProjection> {
        private INDArray lastInput; // [B*L, featDim] after dropout
        private INDArray lastPre;   // [B*L, encDim] before the activation
        private final Scratch scratch = new Scratch();

        private Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(false);
            String shape = "[batch, regions, " + layerConf().getNIn() + "]";
            Shapes.rank(input, 3, layerConf().getLayerName(), "features", shape);
            Shapes.check(input.size(2) == layerConf().getNIn(), layerConf().getLayerName(), "features", shape, input);
            applyDropOutIfNecessary(training, workspaceMgr);
            long bSize = input.size(0), regions = input.size(1);
            INDArray out;
            long in = input.size(2), outDim = layerConf().getNOut();
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                INDArray x = scratch.get("x", dataType, bSize * regions, in)
                        .assign(input.reshape('c', bSize * regions, in));                               // [B*L, in]
                INDArray pre = Ops.mm(x, getParam(DefaultParamInitializer.WEIGHT_KEY),
                        scratch.get("pre", dataType, bSize * regions, outDim))                          // [B*L, out]
                        .addiRowVector(getParam(DefaultParamInitializer.BIAS_KEY));
                lastInput = x;
                lastPre = scratch.get("lastPre", dataType, bSize * regions, outDim).assign(pre);
                out = layerConf().getActivationFn().getActivation(pre, training)
                        .reshape('c', bSize, regions, outDim);                                          // [B, L, out]
            }
            return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(true);
            long bSize = input.size(0), regions = input.size(1);
            INDArray dX;
            INDArray gW = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
            INDArray gB = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
            long in = layerConf().getNIn(), outDim = layerConf().getNOut();
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                INDArray eps = scratch.get("eps", dataType, bSize * regions, outDim)
                        .assign(epsilon.reshape('c', bSize * regions, outDim));                         // [B*L, out]
                INDArray pre = scratch.get("pre", dataType, bSize * regions, outDim).assign(lastPre);
                INDArray delta = layerConf().getActivationFn().backprop(pre, eps).getFirst();           // [B*L, out]
                gW.assign(Ops.mTm(lastInput, delta));                                       // [in, out], gW 'f' ordered
                gB.assign(delta.sum(true, 0));                                                          // [1, out]
                if (layerConf().isInputGradient()) {
                    dX = Ops.mmT(delta, getParam(DefaultParamInitializer.WEIGHT_KEY),
                            scratch.get("dX", dataType, bSize * regions, in)).reshape('c', bSize, regions, in); // [B, L, in]
                } else {
                    dX = null;
                }
            }
            Gradient g = new DefaultGradient();
            g.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, gW);
            g.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, gB);
            if (dX == null) {
                return new Pair<>(g, null); // the input is a network input: no gradient needed
            }
            dX = backpropDropOutIfPresent(dX);
            return new Pair<>(g, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, dX));
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                              int minibatchSize) {
            this.maskArray = maskArray;
            return new Pair<>(maskArray, currentMaskState);
        }

        @Override
        public boolean isPretrainLayer() {
            return false;
        }
    }
}
