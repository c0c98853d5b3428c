package io.caption4j.core.decode;

import java.util.List;

import io.caption4j.core.text.Vocabulary;

/** A decoded caption: word ids (without {@code <start>} and {@code <end>}), their words, log-probability, attention. */
public final class DecodedCaption {
    public final int[] tokens;
    /** The tokens as vocabulary words; null when decoded without a vocabulary. */
    public final List<String> words;
    /** log P of the tokens and of the final {@code <end>} when one was produced. */
    public final double logProb;
    /** attention[t] = the weights over regions used to produce word t (and the {@code <end>} last, if any). */
    public final float[][] attention;
    public final boolean ended;

    public DecodedCaption(int[] tokens, double logProb, float[][] attention, boolean ended) {
        this(tokens, null, logProb, attention, ended);
    }

    private DecodedCaption(int[] tokens, List<String> words, double logProb, float[][] attention, boolean ended) {
        this.tokens = tokens;
        this.words = words;
        this.logProb = logProb;
        this.attention = attention;
        this.ended = ended;
    }

    /** This caption with the words of its tokens. */
    DecodedCaption inWords(Vocabulary vocabulary) {
        return new DecodedCaption(tokens, vocabulary.decode(tokens), logProb, attention, ended);
    }
}
