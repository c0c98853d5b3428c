package io.caption4j.layers;

/** A vertex that adds a penalty on its activations to the network's score (see {@link CaptionNetwork}). */
public interface PenaltySource {
    /** The penalty of the last training forward pass, 0 when none. */
    double penaltyScore();
}
