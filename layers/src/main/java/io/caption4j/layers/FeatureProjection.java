package io.caption4j.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * Projects every region of an encoder feature map: {@code [B, L, featDim] -> [B, L, encDim]}, dense
 * ({@code x W + b}) then the activation (ReLU by default). Optional dropout (DL4J's {@code dropOut}) applies
 * to the input features during training. Parameters W [featDim, encDim], b [1, encDim] (DL4J's dense keys).
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
        return super.equals(o) && o instanceof FeatureProjection && ((FeatureProjection) o).inputGradient == inputGradient;
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + Boolean.hashCode(inputGradient);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        FeatureProjectionLayer ret = new FeatureProjectionLayer(conf, dataType);
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
}
