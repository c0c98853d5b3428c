package io.caption4j.core.decode;

/** A decoded caption: word ids (without {@code <start>} and {@code <end>}), its log-probability, attention. */
public final class DecodedCaption {
    public final int[] tokens;
    /** log P of the tokens and of the final {@code <end>} when one was produced. */
    public final double logProb;
    /** attention[t] = the weights over regions used to produce word t (and the {@code <end>} last, if any). */
    public final float[][] attention;
    public final boolean ended;

    public DecodedCaption(int[] tokens, double logProb, float[][] attention, boolean ended) {
        this.tokens = tokens;
        this.logProb = logProb;
        this.attention = attention;
        this.ended = ended;
    }
}
