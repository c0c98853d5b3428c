package io.caption4j.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Base of caption4j's multi-input layers. It reuses DL4J's {@link SameDiffVertex} for what every trainable
 * vertex needs (parameter shapes, global updater and regularisation, JSON), but runs hand-written ND4J
 * forward and backward passes instead of a SameDiff graph: see {@link #instantiate}.
 */
public abstract class CaptionVertex extends SameDiffVertex {

    /** The fields that define this configuration, for equals and hashCode. */
    protected abstract Object[] configFields();

    /** Creates the runtime vertex over the given parameter view. */
    protected abstract CaptionGraphVertex createVertex(ComputationGraph graph, String name, int idx,
                                                       INDArray paramsView, boolean initializeParams, DataType dataType);

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        setName(name);
        return createVertex(graph, name, idx, paramsView, initializeParams, networkDatatype);
    }

    /** Not used: caption4j vertices compute with hand-written ND4J code, not with a SameDiff graph. */
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
    public CaptionVertex clone() {
        try {
            ObjectMapper mapper = NeuralNetConfiguration.mapper();
            return (CaptionVertex) mapper.readValue(mapper.writeValueAsString(this),
                    org.deeplearning4j.nn.conf.graph.GraphVertex.class);
        } catch (java.io.IOException e) {
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
        CaptionVertex v = (CaptionVertex) o;
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

    /** Convenience for {@link #defineParametersAndInputs}. */
    protected static void weights(SDVertexParams params, String key, long... shape) {
        params.addWeightParam(key, shape);
    }

    protected static void bias(SDVertexParams params, String key, long... shape) {
        params.addBiasParam(key, shape);
    }
}
