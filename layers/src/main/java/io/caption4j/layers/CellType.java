package io.caption4j.layers;

/** The recurrent cell of the decoder. */
public enum CellType {
    /** LSTM, gate order i, f, g, o (PyTorch's order). State [h; c]. */
    LSTM,
    /** GRU, gate order r, z, n (PyTorch's order). State h. */
    GRU;

    /** Number of gate blocks of size hidden in the cell's weight matrices. */
    public int gates() {
        return this == LSTM ? 4 : 3;
    }
}
