package io.caption4j.core.train;

/**
 * Early stopping on the dev loss: records each epoch's dev loss in the run's state (the best epoch, the epochs since
 * it) and says when {@code patience} epochs in a row brought no lower dev loss. Without a dev set nothing is recorded
 * and the run never stops early.
 */
final class EarlyStopping {
    private final boolean hasDevSet;
    private final int patience;

    /** @param patience epochs without a lower dev loss before stopping (0 = never stop early) */
    EarlyStopping(boolean hasDevSet, int patience) {
        this.hasDevSet = hasDevSet;
        this.patience = patience;
    }

    /** Records an epoch's dev loss; true if it is the lowest so far (a new best network). */
    boolean record(TrainState s, int epoch, double devLoss) {
        if (!hasDevSet) {
            return false;
        }
        if (devLoss < s.bestDevLoss) {
            s.bestDevLoss = devLoss;
            s.bestEpoch = epoch;
            s.epochsWithoutImprovement = 0;
            return true;
        }
        s.epochsWithoutImprovement++;
        return false;
    }

    /** Whether the run should stop now. */
    boolean shouldStop(TrainState s) {
        return patience > 0 && s.epochsWithoutImprovement >= patience;
    }
}
