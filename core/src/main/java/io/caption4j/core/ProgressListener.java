package io.caption4j.core;

/**
 * Hears the progress of a long task with a known number of items (images encoded, images decoded) so that the caller
 * can show it: the command line draws a progress bar, the library draws nothing. Every method does nothing by
 * default. Called on the thread that does the work.
 */
public interface ProgressListener {
    /** Hears nothing. */
    ProgressListener NONE = new ProgressListener() { };

    /** A task of {@code total} items starts. */
    default void onTaskStart(String task, long total) {
    }

    /** {@code items} more items of the task are done. */
    default void onTaskProgress(long items) {
    }

    /** The task ends: all its items done, or stopped by an error. */
    default void onTaskEnd() {
    }
}
