package io.caption4j.layers;

/**
 * One LSTM step as a graph vertex. Gate order i, f, g, o in the columns of W_x [in, 4H], W_h [H, 4H] and
 * b [4H]; the forget-gate bias starts at 1. State is [h; c] of shape [B, 2H]. A standalone vertex with the
 * decoder's cell maths: see {@link RecurrentCell}.
 */
public class LstmCell extends RecurrentCell {
    /** For Jackson. */
    public LstmCell() {
    }

    public LstmCell(int inputSize, int hiddenSize) {
        super(inputSize, hiddenSize);
    }

    @Override
    public CellType cellType() {
        return CellType.LSTM;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; inputSize and hiddenSize are required. */
    public static final class Builder {
        private int inputSize, hiddenSize;

        public Builder inputSize(int v) { inputSize = v; return this; }
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }

        public LstmCell build() {
            return new LstmCell(inputSize, hiddenSize);
        }
    }
}
