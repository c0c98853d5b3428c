package io.caption4j.core.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CIDEr-D as coco-caption computes it: n = 1..4; tf-idf n-gram vectors with document frequencies from the
 * reference sets (an n-gram counts once per image) and log(number of images) as the idf numerator; clipped
 * similarity min(h, r) * r over the norms; a Gaussian length penalty exp(-delta^2 / (2 * 6^2)), where, as in
 * coco-caption, the "length" is the number of bigrams; averaged over n, over the references, times 10; the
 * corpus score is the mean over images.
 */
public final class CiderD {
    private static final int N = 4;
    private static final double SIGMA = 6.0;

    private CiderD() {
    }

    /** Per-image scores; the corpus CIDEr-D is their mean (document frequencies from these references). */
    public static double[] scores(List<List<String>> hypotheses, List<List<List<String>>> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size() + " reference sets");
        }
        Scorer scorer = new Scorer(references);
        double[] out = new double[hypotheses.size()];
        for (int i = 0; i < hypotheses.size(); i++) {
            out[i] = scorer.score(hypotheses.get(i), references.get(i));
        }
        return out;
    }

    /**
     * CIDEr-D with document frequencies fixed by a corpus of reference sets (one per image), for scoring captions one
     * image at a time against that corpus's statistics: the reward of self-critical training, whose df comes from all
     * training references as in Rennie et al. 2017.
     */
    public static final class Scorer {
        private final Map<String, Integer> df = new HashMap<>();
        private final double refLen;

        public Scorer(List<List<List<String>>> corpus) {
            for (List<List<String>> refs : corpus) {
                Set<String> seen = new HashSet<>();
                for (List<String> ref : refs) {
                    seen.addAll(NGrams.count(ref, N).keySet());
                }
                seen.forEach(k -> df.merge(k, 1, Integer::sum));
            }
            this.refLen = Math.log(Math.max(1, corpus.size()));
        }

        /** The CIDEr-D of one caption against its image's references. */
        public double score(List<String> hypothesis, List<List<String>> references) {
            Vec hyp = new Vec(NGrams.count(hypothesis, N), df, refLen);
            double[] score = new double[N];
            for (List<String> ref : references) {
                Vec r = new Vec(NGrams.count(ref, N), df, refLen);
                double delta = hyp.length - r.length;
                for (int n = 0; n < N; n++) {
                    double val = 0;
                    for (Map.Entry<String, Double> e : hyp.vec.get(n).entrySet()) {
                        double rv = r.vec.get(n).getOrDefault(e.getKey(), 0.0);
                        val += Math.min(e.getValue(), rv) * rv;
                    }
                    if (hyp.norm[n] != 0 && r.norm[n] != 0) {
                        val /= hyp.norm[n] * r.norm[n];
                    }
                    score[n] += val * Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
                }
            }
            double mean = 0;
            for (double s : score) {
                mean += s / N;
            }
            return references.isEmpty() ? 0 : mean / references.size() * 10.0;
        }
    }

    public static double score(List<List<String>> hypotheses, List<List<List<String>>> references) {
        double[] s = scores(hypotheses, references);
        double sum = 0;
        for (double v : s) {
            sum += v;
        }
        return s.length == 0 ? 0 : sum / s.length;
    }

    /** tf-idf vectors per n, their norms, and coco-caption's length (the bigram count). */
    private static final class Vec {
        final List<Map<String, Double>> vec = new ArrayList<>();
        final double[] norm = new double[N];
        double length;

        Vec(Map<String, Integer> counts, Map<String, Integer> df, double refLen) {
            for (int n = 0; n < N; n++) {
                vec.add(new HashMap<>());
            }
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                int n = NGrams.order(e.getKey()) - 1;
                double v = e.getValue() * (refLen - Math.log(Math.max(1.0, df.getOrDefault(e.getKey(), 0))));
                vec.get(n).put(e.getKey(), v);
                norm[n] += v * v;
                if (n == 1) {
                    length += e.getValue();
                }
            }
            for (int n = 0; n < N; n++) {
                norm[n] = Math.sqrt(norm[n]);
            }
        }
    }
}
