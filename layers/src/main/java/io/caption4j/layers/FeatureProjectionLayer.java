package io.caption4j.layers;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runtime layer of {@link FeatureProjection}. */
public class FeatureProjectionLayer extends BaseLayer<FeatureProjection> {
    private INDArray lastInput; // [B*L, featDim] after dropout
    private INDArray lastPre;   // [B*L, encDim] before the activation

    public FeatureProjectionLayer(NeuralNetConfiguration conf, DataType dataType) {
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
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray x = input.castTo(dataType).dup('c').reshape('c', bSize * regions, input.size(2)); // [B*L, in]
            INDArray pre = x.mmul(getParam(DefaultParamInitializer.WEIGHT_KEY))                         // [B*L, out]
                    .addiRowVector(getParam(DefaultParamInitializer.BIAS_KEY));
            lastInput = x;
            lastPre = pre.dup();
            out = layerConf().getActivationFn().getActivation(pre, training)
                    .reshape('c', bSize, regions, layerConf().getNOut());                              // [B, L, out]
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
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray eps = epsilon.dup('c').reshape('c', bSize * regions, layerConf().getNOut());     // [B*L, out]
            INDArray delta = layerConf().getActivationFn().backprop(lastPre.dup(), eps).getFirst();   // [B*L, out]
            gW.assign(lastInput.transpose().mmul(delta));                                              // [in, out] (gW is 'f' ordered)
            gB.assign(delta.sum(true, 0));                                                             // [1, out]
            dX = delta.mmul(getParam(DefaultParamInitializer.WEIGHT_KEY).transpose())                 // [B*L, in]
                    .reshape('c', bSize, regions, layerConf().getNIn());                               // [B, L, in]
        }
        Gradient g = new DefaultGradient();
        g.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, gW);
        g.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, gB);
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
