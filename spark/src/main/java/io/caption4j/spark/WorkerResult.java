package io.caption4j.spark;

import java.io.Serializable;

/**
 * What a training worker sends back after its batches, and what summing two of them gives (Spark's tree reduction):
 * summed parameters and updater state (the driver divides by {@link #workers}), the summed loss, tokens and skipped
 * pairs of the batches, and the most optimiser iterations one worker ran.
 */
final class WorkerResult implements Serializable {
    private static final long serialVersionUID = 1L;
    float[] params;
    float[] updaterState;
    int workers;
    int batches;
    long iterations;
    double lossSum;
    long tokens;
    int skippedPairs;
    /** Seconds the slowest worker spent fitting (what a round cannot be faster than). */
    double fitSeconds;

    /** Adds another result into this one (element-wise sums) and returns this. */
    WorkerResult add(WorkerResult o) {
        for (int i = 0; i < params.length; i++) {
            params[i] += o.params[i];
        }
        if (updaterState != null) {
            for (int i = 0; i < updaterState.length; i++) {
                updaterState[i] += o.updaterState[i];
            }
        }
        workers += o.workers;
        batches += o.batches;
        iterations = Math.max(iterations, o.iterations);
        lossSum += o.lossSum;
        tokens += o.tokens;
        skippedPairs += o.skippedPairs;
        fitSeconds = Math.max(fitSeconds, o.fitSeconds);
        return this;
    }
}
