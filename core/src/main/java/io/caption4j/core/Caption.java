package io.caption4j.core;

import java.util.List;

/** A generated caption: its words, log-probability, one attention map per word and the time it took. */
public final class Caption {
    private final List<String> tokens;
    private final double logProb;
    private final float[][] attention;
    private final int gridHeight, gridWidth;
    private final double millis, encodeMillis, wordsMillis;

    /** A caption of these words with one attention map per word, each row-major over the grid. */
    public Caption(List<String> tokens, double logProb, float[][] attention, int gridHeight, int gridWidth, double millis) {
        this(tokens, logProb, attention, gridHeight, gridWidth, millis, Double.NaN, Double.NaN);
    }

    /** As above, with the call's time split into encoding the images and searching the words. */
    public Caption(List<String> tokens, double logProb, float[][] attention, int gridHeight, int gridWidth, double millis,
                   double encodeMillis, double wordsMillis) {
        this.tokens = List.copyOf(tokens);
        this.logProb = logProb;
        this.attention = attention;
        this.gridHeight = gridHeight;
        this.gridWidth = gridWidth;
        this.millis = millis;
        this.encodeMillis = encodeMillis;
        this.wordsMillis = wordsMillis;
    }

    /** The words joined by spaces. */
    public String text() {
        return String.join(" ", tokens);
    }

    /** The words, without {@code <start>} and {@code <end>}. */
    public List<String> tokens() {
        return tokens;
    }

    /** Natural log-probability of the words and {@code <end>} under the model. */
    public double logProb() {
        return logProb;
    }

    /** Attention weights of word {@code i} over the feature grid, [gridHeight][gridWidth]; they sum to 1. */
    public float[][] attention(int i) {
        if (i < 0 || i >= attention.length) {
            throw new IndexOutOfBoundsException("No attention map for word " + i + ": the caption has " + attention.length
                    + " words (0 to " + (attention.length - 1) + ")");
        }
        float[][] map = new float[gridHeight][gridWidth];
        for (int y = 0; y < gridHeight; y++) {
            System.arraycopy(attention[i], y * gridWidth, map[y], 0, gridWidth);
        }
        return map;
    }

    /** Rows of the attention grid (9 for the default model's 9x9). */
    public int gridHeight() {
        return gridHeight;
    }

    /** Columns of the attention grid. */
    public int gridWidth() {
        return gridWidth;
    }

    /** Wall time of the call that produced this caption, in milliseconds (shared by a batch). */
    public double millis() {
        return millis;
    }

    /** The part of {@link #millis()} spent encoding the image(s) (InceptionV3 and pooling); NaN when not measured. */
    public double encodeMillis() {
        return encodeMillis;
    }

    /** The part of {@link #millis()} spent searching the words (decoder steps); NaN when not measured. */
    public double wordsMillis() {
        return wordsMillis;
    }

    @Override
    public String toString() {
        return text();
    }
}
