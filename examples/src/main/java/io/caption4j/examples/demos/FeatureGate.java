package io.caption4j.examples.demos;

import java.util.Map;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A user-written DL4J layer for the demo: a learned gate per feature channel, {@code out = x * sigmoid(g)},
 * on [B, L, C] feature maps. Written with DL4J's SameDiffLayer, so DL4J derives its gradient.
 */
public class FeatureGate extends SameDiffLayer {
    public static final String GATE = "g";
    private int channels;

    /** For Jackson. */
    public FeatureGate() {
    }

    public FeatureGate(int channels) {
        this.channels = channels;
    }

    public int getChannels() {
        return channels;
    }

    public void setChannels(int channels) {
        this.channels = channels;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        return x.mul(sd.nn.sigmoid(params.get(GATE)));                  // [B, L, C] * [1, C]
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(GATE, 1, channels);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(GATE).assign(2.0);                                   // starts nearly open: sigmoid(2) = 0.88
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }
}
