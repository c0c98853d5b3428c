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
import org.nd4j.linalg.api.ops.impl.scatter.ScatterUpdate;
import org.nd4j.linalg.factory.Nd4j;

/** Runtime layer of {@link CaptionEmbedding}. */
public class CaptionEmbeddingLayer extends BaseLayer<CaptionEmbedding> {
    private int[] lastIds;
    private long lastBatch, lastSteps;

    public CaptionEmbeddingLayer(NeuralNetConfiguration conf, DataType dataType) {
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
