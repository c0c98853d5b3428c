package io.caption4j.layers;

import java.util.Map;

import io.caption4j.layers.math.CellMath;
import io.caption4j.layers.math.Ops;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static io.caption4j.layers.ParamKeys.*;

/**
 * One step of a recurrent cell as a DL4J graph vertex: inputs 0 x [B, inputSize] and 1 state [B, S],
 * output the new state [B, S]. See {@link LstmCell} (S = 2H, state [h; c]) and {@link GruCell} (S = H).
 * Parameters: W_x [inputSize, G*H], W_h [H, G*H], b [G*H] (and b_h [G*H] for the GRU).
 * <p>Standalone, reusable vertices: {@link AttentionDecoder} does not contain them but calls the same
 * {@link CellMath} directly (to batch its products over time). The tests check that maths through them against
 * DL4J's LSTM and numerical gradients.
 */
public abstract class RecurrentCell extends ManualBackpropVertex {
    protected int inputSize;
    protected int hiddenSize;

    protected RecurrentCell() {
    }

    protected RecurrentCell(int inputSize, int hiddenSize) {
        require(inputSize > 0, "inputSize must be > 0, got " + inputSize);
        require(hiddenSize > 0, "hiddenSize must be > 0, got " + hiddenSize);
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
    }

    public abstract CellType cellType();

    /** Size of the state vector: 2H for [h; c], H for h. */
    public int stateSize() {
        return cellType() == CellType.LSTM ? 2 * hiddenSize : hiddenSize;
    }

    public int getInputSize() { return inputSize; }
    public int getHiddenSize() { return hiddenSize; }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs("x", "state");
        int gh = cellType().gates() * hiddenSize;
        weights(params, CELL_W_X, inputSize, gh);
        weights(params, CELL_W_H, hiddenSize, gh);
        bias(params, CELL_B, gh);
        if (cellType() == CellType.GRU) {
            bias(params, CELL_B_H, gh);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        uniformInit(params.get(CELL_W_X), hiddenSize);
        uniformInit(params.get(CELL_W_H), hiddenSize);
        params.get(CELL_B).assign(0);
        if (cellType() == CellType.LSTM) {
            params.get(CELL_B).get(NDArrayIndex.interval(hiddenSize, 2 * hiddenSize)).assign(1.0); // forget gate
        } else {
            params.get(CELL_B_H).assign(0);
        }
    }

    @Override
    protected InputType outputType(InputType... inputs) {
        return InputType.feedForward(stateSize());
    }

    @Override
    protected Object[] configFields() {
        return new Object[]{inputSize, hiddenSize};
    }

    @Override
    protected Impl createImpl(ComputationGraph graph, String name, int idx, INDArray paramsView,
                              boolean initializeParams, DataType dataType) {
        return new Impl(this, graph, name, idx, paramsView, initializeParams, dataType);
    }

    /** Runtime vertex: calls {@link CellMath}. */
    public static final class Impl extends ManualBackpropVertex.Impl {
        private final RecurrentCell conf;
        private CellMath.Step last;
        private INDArray lastX;

        private Impl(RecurrentCell conf, ComputationGraph graph, String name, int idx, INDArray paramsView,
                     boolean init, DataType dataType) {
            super(conf, graph, name, idx, paramsView, init, dataType);
            this.conf = conf;
        }

        @Override
        protected INDArray forward(INDArray[] in, INDArray[] m, boolean training) {
            String xs = "[batch, " + conf.inputSize + "]", ss = "[batch, " + conf.stateSize() + "]";
            Shapes.rank(in[0], 2, vertexName, "x", xs);
            Shapes.check(in[0].size(1) == conf.inputSize, vertexName, "x", xs, in[0]);
            Shapes.rank(in[1], 2, vertexName, "state", ss);
            Shapes.check(in[1].size(1) == conf.stateSize() && in[1].size(0) == in[0].size(0), vertexName, "state", ss, in[1]);
            long hidden = conf.hiddenSize;
            lastX = detached("x", in[0]);
            INDArray state = detached("state", in[1]);
            INDArray h = state.get(NDArrayIndex.all(), NDArrayIndex.interval(0, hidden));             // [B, H]
            INDArray c = conf.cellType() == CellType.LSTM
                    ? state.get(NDArrayIndex.all(), NDArrayIndex.interval(hidden, 2 * hidden)) : null; // [B, H]
            INDArray gx = Ops.addRow(Ops.mm(lastX, paramTable.get(CELL_W_X)), paramTable.get(CELL_B));    // [B, G*H]
            last = CellMath.forward(conf.cellType(), gx, h, c, paramTable.get(CELL_W_H), paramTable.get(CELL_B_H));
            return last.c == null ? last.h : Nd4j.hstack(last.h, last.c);                              // [B, S]
        }

        @Override
        protected INDArray[] backward(INDArray epsilon) {
            for (INDArray g : gradTable.values()) {
                g.assign(0);
            }
            long hidden = conf.hiddenSize;
            INDArray dH = epsilon.get(NDArrayIndex.all(), NDArrayIndex.interval(0, hidden)).dup();        // [B, H]
            INDArray dC = conf.cellType() == CellType.LSTM
                    ? epsilon.get(NDArrayIndex.all(), NDArrayIndex.interval(hidden, 2 * hidden)).dup() : null;
            CellMath.StepGrad g = CellMath.backward(conf.cellType(), last, dH, dC, paramTable.get(CELL_W_H),
                    gradTable.get(CELL_W_H), gradTable.get(CELL_B_H));
            Ops.gemmAcc(lastX, g.dGx, gradTable.get(CELL_W_X), true, false);                          // [in, G*H]
            gradTable.get(CELL_B).addi(g.dGx.sum(0).reshape(gradTable.get(CELL_B).shape()));
            INDArray dX = Ops.mmT(g.dGx, paramTable.get(CELL_W_X));                            // [B, in]
            INDArray dState = g.dCPrev == null ? g.dHPrev : Nd4j.hstack(g.dHPrev, g.dCPrev);          // [B, S]
            return new INDArray[]{dX, dState};
        }

        @Override
        protected INDArray outputMask(INDArray[] inputMasks) {
            return null;
        }
    }
}
