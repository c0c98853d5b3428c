package io.caption4j.zoo;

import java.util.Locale;

import io.caption4j.core.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reports a download's progress as SLF4J INFO lines at 25, 50 and 75 %, for callers that show no progress bar. */
final class LoggingProgress implements ProgressListener {
    private static final Logger log = LoggerFactory.getLogger(LoggingProgress.class);
    private String task;
    private long total;
    private long done;
    private int quarter;

    @Override
    public void onTaskStart(String task, long total) {
        this.task = task;
        this.total = total;
        this.done = 0;
        this.quarter = 0;
    }

    @Override
    public void onTaskProgress(long items) {
        done += items;
        if (total <= 0) {
            return;
        }
        int q = (int) Math.min(4, done * 4 / total);
        if (q > quarter && q < 4) {
            log.info("{}: {}% ({} of {} MB)", task, q * 25, String.format(Locale.ROOT, "%.1f", done / 1e6),
                    String.format(Locale.ROOT, "%.1f", total / 1e6));
        }
        quarter = Math.max(quarter, q);
    }
}
