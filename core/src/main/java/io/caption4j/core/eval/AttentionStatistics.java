package io.caption4j.core.eval;

import java.util.List;

/**
 * How peaked the attention of generated words is: the mean per-word entropy over ln L (1 = uniform over the L
 * regions, 0 = one region) and the mean max alpha over 1/L (1 = uniform, L = one region).
 */
public record AttentionStatistics(double entropyRatio, double maxRatio, long words) {

    /** Statistics over every word of every caption; each caption is [word][region] weights that sum to 1. */
    public static AttentionStatistics of(List<float[][]> captions) {
        double entropySum = 0, maxSum = 0;
        long words = 0;
        for (float[][] caption : captions) {
            if (caption == null) {
                continue;
            }
            for (float[] alpha : caption) {
                int regions = alpha.length;
                if (regions < 2) {
                    continue;
                }
                double entropy = 0, max = 0;
                for (float a : alpha) {
                    if (a > 0) {
                        entropy -= a * Math.log(a);
                    }
                    max = Math.max(max, a);
                }
                entropySum += entropy / Math.log(regions);
                maxSum += max * regions;
                words++;
            }
        }
        return words == 0 ? new AttentionStatistics(Double.NaN, Double.NaN, 0)
                : new AttentionStatistics(entropySum / words, maxSum / words, words);
    }

    @Override
    public String toString() {
        return String.format("attention entropy / ln L %.3f, max alpha / (1/L) %.2f (%d words)", entropyRatio, maxRatio, words);
    }
}
