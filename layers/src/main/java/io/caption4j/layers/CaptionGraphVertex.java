package io.caption4j.layers;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.params.SameDiffParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import io.caption4j.layers.math.Scratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * Runtime base of caption4j's vertices: parameter and gradient views, masks, and workspace handling.
 * Subclasses compute outside DL4J's workspaces ({@link #forward}, {@link #backward}); this class moves
 * results into the workspaces DL4J expects.
 */
public abstract class CaptionGraphVertex extends BaseGraphVertex {
    protected final CaptionVertex config;
    protected final INDArray params;
    protected final Map<String, INDArray> paramTable;
    protected INDArray gradientView;
    protected Map<String, INDArray> gradTable;
    protected INDArray[] masks;
    /** Work arrays reused between passes (a vertex is used by one thread at a time, like every DL4J layer). */
    protected final Scratch scratch = new Scratch();

    protected CaptionGraphVertex(CaptionVertex config, ComputationGraph graph, String name, int idx,
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
    public org.deeplearning4j.nn.api.Layer getLayer() {
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

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + vertexName + ")";
    }

    /** Copies an input into a reused, detached, c-ordered array of the network's data type. */
    protected INDArray detached(String key, INDArray x) {
        if (x == null) {
            return null;
        }
        return scratch.get(key, dataType, x.shape()).assign(x);
    }
}
