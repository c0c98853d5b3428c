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
import io.caption4j.layers.math.Ops;
import io.caption4j.layers.math.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runtime layer of {@link FeatureProjection}. */
public class FeatureProjectionLayer extends BaseLayer<FeatureProjection> {
    private INDArray lastInput; // [B*L, featDim] after dropout
    private INDArray lastPre;   // [B*L, encDim] before the activation
    private final Scratch scratch = new Scratch();

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
            gW.assign(Ops.mTm(lastInput, delta));                                                   // [in, out] (gW is 'f' ordered)
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
