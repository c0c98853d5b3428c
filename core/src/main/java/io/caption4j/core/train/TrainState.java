package io.caption4j.core.train;

import java.util.ArrayList;
import java.util.List;

/** Where a run stands: saved in every checkpoint so that a resumed run continues at the same batch. */
public final class TrainState {
    /** Epochs completed (the current epoch is {@code epoch + 1}). */
    public int epoch;
    /** Batches of the current epoch already trained. */
    public int batchInEpoch;
    /** Optimiser steps so far. */
    public long step;
    public double bestDevLoss = Double.POSITIVE_INFINITY;
    /** The dev CIDEr-D of the best epoch (what {@link TrainConfig.Selection#CIDER_D} compares). */
    public double bestCiderD = Double.NEGATIVE_INFINITY;
    public int bestEpoch;
    public int epochsWithoutImprovement;
    public boolean finished;
    /** Summed token cross-entropy and token count of the current epoch's batches so far. */
    public double epochLossSum;
    public long epochTokens;
    public int epochSkippedPairs;
    /** Self-critical training: summed CIDEr-D of the greedy captions of the current epoch's images so far, and their count. */
    public double epochRewardSum, epochSampleRewardSum;
    public long epochRewardImages;
    /** Seconds spent training and validating, summed over resumed runs. */
    public double seconds;
    public List<EpochResult> history = new ArrayList<>();

    /** The mean token cross-entropy of the current epoch's batches so far. */
    public double epochTrainLoss() {
        return epochLossSum / Math.max(1, epochTokens);
    }

    /** One epoch's training and validation numbers. */
    public static final class EpochResult {
        public int epoch;
        public long step;
        public double trainLoss;
        /** Self-critical training: the mean CIDEr-D of the greedy captions of the epoch's training images (else NaN). */
        public double trainReward = Double.NaN;
        /** Self-critical training: the mean CIDEr-D of the captions sampled for the epoch's images (else NaN). */
        public double trainSampleReward = Double.NaN;
        public double devLoss;
        public double bleu1, bleu2, bleu3, bleu4, ciderD, rougeL;
        /** Mean attention entropy / ln L of the decoded dev captions' words (1 = uniform). */
        public double attentionEntropy = Double.NaN;
        public double learningRate;
        public double seconds;
        public int skippedPairs;

        @Override
        public String toString() {
            String train = Double.isNaN(trainReward) ? String.format("train loss %.4f", trainLoss)
                    : String.format("train CIDEr-D greedy %.4f, sampled %.4f", trainReward, trainSampleReward);
            if (Double.isNaN(devLoss)) {
                return String.format("epoch %d: %s, no dev set (%.0f s)", epoch, train, seconds);
            }
            return String.format("epoch %d: %s, dev loss %.4f, BLEU-4 %.4f, CIDEr-D %.4f, ROUGE-L %.4f, "
                    + "attention entropy / ln L %.3f (%.0f s)",
                    epoch, train, devLoss, bleu4, ciderD, rougeL, attentionEntropy, seconds);
        }
    }
}
