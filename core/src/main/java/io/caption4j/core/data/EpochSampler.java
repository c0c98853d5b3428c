package io.caption4j.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * The (image, caption) pairs of an epoch: all of them shuffled, or a random sample of n (the reference
 * recipe trains on 50,000 of COCO's 590,000 captions an epoch). Deterministic for a seed.
 */
public final class EpochSampler {
    /** One training pair. */
    public static final class Pair {
        public final CaptionDataset.Example example;
        public final String caption;

        Pair(CaptionDataset.Example example, String caption) {
            this.example = example;
            this.caption = caption;
        }
    }

    private EpochSampler() {
    }

    /** @param n pairs to keep, or 0 for all */
    public static List<Pair> epoch(CaptionDataset data, int n, long seed) {
        List<Pair> all = new ArrayList<>();
        for (CaptionDataset.Example e : data.examples()) {
            for (String c : e.captions) {
                all.add(new Pair(e, c));
            }
        }
        Collections.shuffle(all, new Random(seed));
        return n > 0 && n < all.size() ? new ArrayList<>(all.subList(0, n)) : all;
    }

    /**
     * Cuts an epoch's pairs into batches of similar caption length, so little of each batch is padding: pools of
     * {@code pool} batches are sorted by length and cut, then the batches are shuffled. Deterministic for a seed.
     */
    public static List<List<Pair>> lengthBatches(List<Pair> pairs, int batchSize, int pool, ToIntFunction<String> length,
                                                 long seed) {
        if (batchSize < 1 || pool < 1) {
            throw new IllegalArgumentException("batchSize and pool must be >= 1");
        }
        List<List<Pair>> batches = new ArrayList<>();
        int span = batchSize * pool;
        for (int i = 0; i < pairs.size(); i += span) {
            List<Pair> chunk = new ArrayList<>(pairs.subList(i, Math.min(pairs.size(), i + span)));
            chunk.sort(Comparator.comparingInt(p -> length.applyAsInt(p.caption)));
            for (int j = 0; j < chunk.size(); j += batchSize) {
                batches.add(new ArrayList<>(chunk.subList(j, Math.min(chunk.size(), j + batchSize))));
            }
        }
        Collections.shuffle(batches, new Random(seed));
        return batches;
    }
}
