package io.caption4j.core.train;

/**
 * Model selection and early stopping on the dev set: records each epoch in the run's state (the best epoch by the
 * lowest dev loss or the highest dev CIDEr-D, the epochs since it) and says when {@code patience} epochs in a row
 * brought no better one. Without a dev set nothing is recorded and the run never stops early.
 */
final class EarlyStopping {
    private final boolean hasDevSet;
    private final int patience;
    private final TrainConfig.Selection selection;

    /** @param patience epochs without a better dev score before stopping (0 = never stop early) */
    EarlyStopping(boolean hasDevSet, int patience, TrainConfig.Selection selection) {
        this.hasDevSet = hasDevSet;
        this.patience = patience;
        this.selection = selection;
    }

    /** Records an epoch's dev scores; true if it is the best so far by the selection (a new best network). */
    boolean record(TrainState s, int epoch, double devLoss, double devCiderD) {
        if (!hasDevSet) {
            return false;
        }
        boolean better = selection == TrainConfig.Selection.CIDER_D ? devCiderD > s.bestCiderD : devLoss < s.bestDevLoss;
        if (better) {
            s.bestDevLoss = devLoss;
            s.bestCiderD = devCiderD;
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
