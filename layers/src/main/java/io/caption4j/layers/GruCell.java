package io.caption4j.layers;

/**
 * One GRU step as a graph vertex. Gate order r, z, n in the columns of W_x [in, 3H], W_h [H, 3H], b [3H]
 * and b_h [3H] (PyTorch layout): n = tanh(x W_xn + b_n + r * (h W_hn + b_hn)). State is h [B, H]. A standalone
 * vertex with the decoder's cell maths: see {@link RecurrentCell}.
 */
public class GruCell extends RecurrentCell {
    /** For Jackson. */
    public GruCell() {
    }

    public GruCell(int inputSize, int hiddenSize) {
        super(inputSize, hiddenSize);
    }

    @Override
    public CellType cellType() {
        return CellType.GRU;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; inputSize and hiddenSize are required. */
    public static final class Builder {
        private int inputSize, hiddenSize;

        public Builder inputSize(int v) { inputSize = v; return this; }
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }

        public GruCell build() {
            return new GruCell(inputSize, hiddenSize);
        }
    }
}
