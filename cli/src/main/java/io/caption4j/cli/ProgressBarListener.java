package io.caption4j.cli;

import java.time.Duration;

import io.caption4j.core.train.TrainState;
import io.caption4j.core.train.TrainingListener;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Draws the library's progress on the terminal: one bar per training epoch (batches, with step, loss and tokens/s)
 * and one per image task (encoding a data set, decoding dev or test images), or per download (in MB). Tasks do not
 * overlap, so one bar at a time. Without a terminal (output to a log file) it prints one full line every 30 s
 * instead of redrawing an 80-column line many times a second.
 */
final class ProgressBarListener implements TrainingListener {
    private ProgressBar bar;

    @Override
    public void onTaskStart(String task, long total) {
        boolean bytes = task.startsWith("downloading ");   // NsfwjsPackage counts bytes
        open(new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUnit(bytes ? " MB" : " img", bytes ? 1_000_000 : 1).showSpeed());
    }

    @Override
    public void onTaskProgress(long items) {
        if (bar != null) {
            bar.stepBy(items);
        }
    }

    @Override
    public void onTaskEnd() {
        close();
    }

    @Override
    public void onEpochStart(int epoch, int epochs, int batches, TrainState state) {
        open(new ProgressBarBuilder().setTaskName("epoch " + epoch + "/" + epochs).setInitialMax(batches)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" batches", 1).startsFrom(state.batchInEpoch, Duration.ZERO));
    }

    @Override
    public void onBatch(TrainState state, double tokensPerSecond) {
        if (bar != null) {
            String score = state.epochRewardImages > 0                      // self-critical: no cross-entropy
                    ? String.format("CIDEr-D greedy %.3f sampled %.3f", state.epochRewardSum / state.epochRewardImages,
                            state.epochSampleRewardSum / state.epochRewardImages)
                    : String.format("loss %.3f", state.epochTrainLoss());
            bar.setExtraMessage(String.format(" step %d  %s  %.0f tok/s", state.step, score, tokensPerSecond));
            bar.stepTo(state.batchInEpoch);
        }
    }

    @Override
    public void onEpochBatchesEnd(TrainState state) {
        close();
    }

    private static final int LOG_INTERVAL_MS = 30_000;
    private static final int LOG_LINE_LENGTH = 200;

    private void open(ProgressBarBuilder builder) {
        close();
        if (System.console() == null) {
            builder.setConsumer(new DelegatingProgressBarConsumer(System.err::println, LOG_LINE_LENGTH))
                    .setUpdateIntervalMillis(LOG_INTERVAL_MS);
        }
        bar = builder.build();
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
