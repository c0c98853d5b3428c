package io.caption4j.core.train;

import io.caption4j.core.ProgressListener;

/**
 * Hears how a training run goes so that the caller can show it (the command line draws a progress bar per epoch);
 * the {@link Trainer} itself logs through SLF4J and draws nothing. The dev images decoded after each epoch arrive as
 * a {@link ProgressListener} task. Every method does nothing by default. Called on the training thread; the
 * {@link TrainState} passed is the run's own: read it, do not change it.
 */
public interface TrainingListener extends ProgressListener {
    /** Hears nothing. */
    TrainingListener NONE = new TrainingListener() { };

    /** Epoch {@code epoch} of {@code epochs} starts with {@code batches} batches, or resumes at {@code state.batchInEpoch}. */
    default void onEpochStart(int epoch, int epochs, int batches, TrainState state) {
    }

    /** A batch was trained: {@code state.step}, {@code state.batchInEpoch} and {@link TrainState#epochTrainLoss()} are new. */
    default void onBatch(TrainState state, double tokensPerSecond) {
    }

    /** The epoch's batches end: all trained (its validation follows), or the run stops (step limit, error). */
    default void onEpochBatchesEnd(TrainState state) {
    }

    /** An epoch was trained and validated, and its checkpoint written. */
    default void onEpochEnd(TrainState.EpochResult result) {
    }
}
