package io.caption4j.core.train;

/**
 * When the trainer writes a checkpoint in the middle of an epoch (every N steps or M minutes since the last one), and
 * how long the run has taken, earlier sessions of a resumed run included. Times are {@link System#nanoTime()}.
 */
final class CheckpointSchedule {
    private final int everySteps;
    private final double everyMinutes;
    private final long started;
    private final double secondsBefore;
    private long lastSave;

    CheckpointSchedule(TrainConfig c, TrainState s) {
        this.everySteps = c.checkpointEverySteps;
        this.everyMinutes = c.checkpointEveryMinutes;
        this.started = System.nanoTime();
        this.lastSave = started;
        this.secondsBefore = s.seconds;
    }

    /** Whether a checkpoint is due after step {@code step}. */
    boolean due(long step, long now) {
        boolean dueSteps = everySteps > 0 && step % everySteps == 0;
        boolean dueTime = everyMinutes > 0 && (now - lastSave) / 6e10 >= everyMinutes;
        return dueSteps || dueTime;
    }

    /** Seconds spent on the run until {@code now}. */
    double seconds(long now) {
        return secondsBefore + (now - started) / 1e9;
    }

    /** A checkpoint was written at {@code now}: the minutes count from here. */
    void saved(long now) {
        lastSave = now;
    }
}
