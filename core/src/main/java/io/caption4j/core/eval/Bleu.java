package io.caption4j.core.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU-1..4 as coco-caption computes it: clipped n-gram counts summed over the corpus, the brevity
 * penalty from the sum over hypotheses of the reference length closest to each hypothesis (ties: the shorter),
 * and coco's guards against zero counts (1e-15 added to matches, 1e-9 to totals).
 */
public final class Bleu {
    private Bleu() {
    }

    /** BLEU-1..4 for hypotheses[i] against references[i] (tokens). */
    public static double[] score(List<List<String>> hypotheses, List<List<List<String>>> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size() + " reference sets");
        }
        double[] correct = new double[4], guess = new double[4];
        double testLen = 0, refLen = 0;
        for (int i = 0; i < hypotheses.size(); i++) {
            List<String> hyp = hypotheses.get(i);
            Map<String, Integer> maxRef = new HashMap<>();
            int closest = -1;
            for (List<String> ref : references.get(i)) {
                NGrams.count(ref, 4).forEach((k, v) -> maxRef.merge(k, v, Math::max));
                int len = ref.size(), d = Math.abs(len - hyp.size());
                if (closest < 0 || d < Math.abs(closest - hyp.size()) || d == Math.abs(closest - hyp.size()) && len < closest) {
                    closest = len;
                }
            }
            testLen += hyp.size();
            refLen += Math.max(closest, 0);
            for (Map.Entry<String, Integer> e : NGrams.count(hyp, 4).entrySet()) {
                int n = NGrams.order(e.getKey()) - 1;
                correct[n] += Math.min(e.getValue(), maxRef.getOrDefault(e.getKey(), 0));
            }
            for (int n = 0; n < 4; n++) {
                guess[n] += Math.max(0, hyp.size() - n);
            }
        }
        double tiny = 1e-15, small = 1e-9;
        double[] out = new double[4];
        double logSum = 0;
        double bp = testLen < refLen ? Math.exp(1 - refLen / (testLen + tiny)) : 1.0;
        for (int n = 0; n < 4; n++) {
            logSum += Math.log((correct[n] + tiny) / (guess[n] + small));
            out[n] = Math.exp(logSum / (n + 1)) * bp;
        }
        return out;
    }
}
