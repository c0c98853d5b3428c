package io.caption4j.core.decode;

/** How to turn the decoder's distributions into words. Immutable; build with {@link #greedy()} etc. */
public final class DecodeOptions {
    public enum Strategy { GREEDY, BEAM, SAMPLE }

    public final Strategy strategy;
    public final int beamSize;
    public final int maxLength;
    /** Beam scores are log P / length^lengthPenalty (0: raw log-probability, 1: per-word mean). */
    public final double lengthPenalty;
    public final double temperature;
    /** Sampling keeps the topK most likely words (0: all). */
    public final int topK;
    public final long seed;

    private DecodeOptions(Strategy s, int beamSize, int maxLength, double lengthPenalty, double temperature, int topK,
                          long seed) {
        if (beamSize < 1 || maxLength < 1 || temperature <= 0 || topK < 0 || lengthPenalty < 0) {
            throw new IllegalArgumentException("Invalid decoding options: beamSize " + beamSize + ", maxLength " + maxLength
                    + ", temperature " + temperature + ", topK " + topK + ", lengthPenalty " + lengthPenalty);
        }
        this.strategy = s;
        this.beamSize = beamSize;
        this.maxLength = maxLength;
        this.lengthPenalty = lengthPenalty;
        this.temperature = temperature;
        this.topK = topK;
        this.seed = seed;
    }

    public static DecodeOptions greedy() {
        return new DecodeOptions(Strategy.GREEDY, 1, 40, 0, 1, 0, 0);
    }

    public static DecodeOptions beam(int k) {
        return new DecodeOptions(Strategy.BEAM, k, 40, 1.0, 1, 0, 0);
    }

    /** Beam search of width k, or greedy decoding when k is 1 (what a beam of one finds, without the beam's overhead). */
    public static DecodeOptions beamOrGreedy(int k) {
        return k == 1 ? greedy() : beam(k);
    }

    public static DecodeOptions sample(double temperature, int topK, long seed) {
        return new DecodeOptions(Strategy.SAMPLE, 1, 40, 0, temperature, topK, seed);
    }

    public DecodeOptions withMaxLength(int n) {
        return new DecodeOptions(strategy, beamSize, n, lengthPenalty, temperature, topK, seed);
    }

    public DecodeOptions withLengthPenalty(double alpha) {
        return new DecodeOptions(strategy, beamSize, maxLength, alpha, temperature, topK, seed);
    }
}
