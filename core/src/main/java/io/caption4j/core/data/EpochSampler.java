package io.caption4j.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

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
}
