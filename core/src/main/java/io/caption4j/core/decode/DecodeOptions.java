package io.caption4j.core.decode;

/** How to turn the decoder's distributions into words. Immutable; build with {@link #greedy()} etc. */
public final class DecodeOptions {
    /** Greedy (the most likely word each step), beam search, or sampling from the distribution. */
    public enum Strategy { GREEDY, BEAM, SAMPLE }

    /** The search. */
    public final Strategy strategy;
    /** Hypotheses kept per step (1 for greedy and sampling). */
    public final int beamSize;
    /** At most this many words; a caption that reaches it has no {@code <end>}. */
    public final int maxLength;
    /** Beam scores are log P / length^lengthPenalty (0: raw log-probability, 1: per-word mean). */
    public final double lengthPenalty;
    /** Sampling divides the logits by it: below 1 sharper, above 1 more varied (1 for the other strategies). */
    public final double temperature;
    /** Sampling keeps the topK most likely words (0: all). */
    public final int topK;
    /** The sampling's random seed: the same seed gives the same captions. */
    public final long seed;
    /** No caption contains the same n-gram of this many words twice (0: no blocking; 3 is trigram blocking). */
    public final int noRepeatNgram;

    private DecodeOptions(Strategy s, int beamSize, int maxLength, double lengthPenalty, double temperature, int topK,
                          long seed) {
        this(s, beamSize, maxLength, lengthPenalty, temperature, topK, seed, 0);
    }

    private DecodeOptions(Strategy s, int beamSize, int maxLength, double lengthPenalty, double temperature, int topK,
                          long seed, int noRepeatNgram) {
        if (beamSize < 1 || maxLength < 1 || temperature <= 0 || topK < 0 || lengthPenalty < 0 || noRepeatNgram < 0) {
            throw new IllegalArgumentException("Invalid decoding options: beamSize " + beamSize + ", maxLength " + maxLength
                    + ", temperature " + temperature + ", topK " + topK + ", lengthPenalty " + lengthPenalty
                    + ", noRepeatNgram " + noRepeatNgram);
        }
        this.noRepeatNgram = noRepeatNgram;
        this.strategy = s;
        this.beamSize = beamSize;
        this.maxLength = maxLength;
        this.lengthPenalty = lengthPenalty;
        this.temperature = temperature;
        this.topK = topK;
        this.seed = seed;
    }

    /** The most likely word at each step; at most 40 words. */
    public static DecodeOptions greedy() {
        return new DecodeOptions(Strategy.GREEDY, 1, 40, 0, 1, 0, 0);
    }

    /** Beam search keeping {@code k >= 1} hypotheses, scored by per-word mean log-probability (length penalty 1); 40 words. */
    public static DecodeOptions beam(int k) {
        return new DecodeOptions(Strategy.BEAM, k, 40, 1.0, 1, 0, 0);
    }

    /** Beam search of width k, or greedy decoding when k is 1 (what a beam of one finds, without the beam's overhead). */
    public static DecodeOptions beamOrGreedy(int k) {
        return k == 1 ? greedy() : beam(k);
    }

    /**
     * Samples each word from the distribution divided by {@code temperature > 0}, among the {@code topK} most likely
     * words (0: all), reproducibly for a {@code seed}; at most 40 words.
     */
    public static DecodeOptions sample(double temperature, int topK, long seed) {
        return new DecodeOptions(Strategy.SAMPLE, 1, 40, 0, temperature, topK, seed);
    }

    /** The same options with at most {@code n >= 1} words. */
    public DecodeOptions withMaxLength(int n) {
        return new DecodeOptions(strategy, beamSize, n, lengthPenalty, temperature, topK, seed, noRepeatNgram);
    }

    /** The same options with beam scores log P / length^alpha, {@code alpha >= 0} (0 favours short captions). */
    public DecodeOptions withLengthPenalty(double alpha) {
        return new DecodeOptions(strategy, beamSize, maxLength, alpha, temperature, topK, seed, noRepeatNgram);
    }

    /**
     * These options with what a model's own decoding says and a caller did not choose: its n-gram blocking and, when
     * both are beam searches, its length penalty (a request for beam 3 of a model tuned at beam 5 keeps its scoring).
     */
    public DecodeOptions withModelDefaults(DecodeOptions model) {
        DecodeOptions o = withNoRepeatNgram(model.noRepeatNgram);
        return strategy == Strategy.BEAM && model.strategy == Strategy.BEAM ? o.withLengthPenalty(model.lengthPenalty) : o;
    }

    /**
     * The same options where no caption repeats an n-gram of {@code n} words ("a man in a red shirt and a man in a red
     * shirt" with n = 3); 0 turns blocking off.
     */
    public DecodeOptions withNoRepeatNgram(int n) {
        return new DecodeOptions(strategy, beamSize, maxLength, lengthPenalty, temperature, topK, seed, n);
    }
}
