package io.caption4j.core.eval;

import java.util.List;

/**
 * ROUGE-L as coco-caption computes it: per image, the largest LCS precision and the largest LCS recall over the
 * references, F = (1 + b^2) P R / (R + b^2 P) with b = 1.2 (0 when either is 0); the corpus score is the mean.
 */
public final class RougeL {
    private static final double BETA = 1.2;

    private RougeL() {
    }

    public static double score(List<List<String>> hypotheses, List<List<List<String>>> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size() + " reference sets");
        }
        double sum = 0;
        for (int i = 0; i < hypotheses.size(); i++) {
            sum += image(hypotheses.get(i), references.get(i));
        }
        return hypotheses.isEmpty() ? 0 : sum / hypotheses.size();
    }

    /** ROUGE-L of one hypothesis. */
    public static double image(List<String> hyp, List<List<String>> refs) {
        double p = 0, r = 0;
        for (List<String> ref : refs) {
            int lcs = lcs(hyp, ref);
            if (!hyp.isEmpty()) {
                p = Math.max(p, (double) lcs / hyp.size());
            }
            if (!ref.isEmpty()) {
                r = Math.max(r, (double) lcs / ref.size());
            }
        }
        return p != 0 && r != 0 ? (1 + BETA * BETA) * p * r / (r + BETA * BETA * p) : 0.0;
    }

    static int lcs(List<String> a, List<String> b) {
        int[][] t = new int[a.size() + 1][b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            for (int j = 1; j <= b.size(); j++) {
                t[i][j] = a.get(i - 1).equals(b.get(j - 1)) ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
            }
        }
        return t[a.size()][b.size()];
    }
}
