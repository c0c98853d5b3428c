package io.caption4j.layers;

/** Which decoder state the attention scores are conditioned on. */
public enum AttentionState {
    /** The hidden state h. */
    H,
    /** The concatenation [h; c] (LSTM only), as in the reference configuration. */
    H_AND_C
}
