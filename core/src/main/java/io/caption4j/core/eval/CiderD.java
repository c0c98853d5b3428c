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

    /** Per-image scores; the corpus CIDEr-D is their mean. */
    public static double[] scores(List<List<String>> hypotheses, List<List<List<String>>> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size() + " reference sets");
        }
        Map<String, Integer> df = new HashMap<>();
        List<List<Map<String, Integer>>> refCounts = new ArrayList<>();
        for (List<List<String>> refs : references) {
            List<Map<String, Integer>> counts = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (List<String> ref : refs) {
                Map<String, Integer> c = NGrams.count(ref, N);
                counts.add(c);
                seen.addAll(c.keySet());
            }
            seen.forEach(k -> df.merge(k, 1, Integer::sum));
            refCounts.add(counts);
        }
        double refLen = Math.log(references.size());
        double[] out = new double[hypotheses.size()];
        for (int i = 0; i < hypotheses.size(); i++) {
            Vec hyp = new Vec(NGrams.count(hypotheses.get(i), N), df, refLen);
            double[] score = new double[N];
            for (Map<String, Integer> ref : refCounts.get(i)) {
                Vec r = new Vec(ref, df, refLen);
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
            out[i] = mean / refCounts.get(i).size() * 10.0;
        }
        return out;
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
