package io.caption4j.cli.serve;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.server.Request;

/**
 * A deadline for reading one request's body: when it passes, the connection is closed, so a thread blocked in
 * the read (raw body or the multipart parser) gets an error at once; {@link #expired()} tells the handler to
 * answer 408. The minimum data rate bounds the average speed, this bounds the total time.
 */
final class BodyDeadline implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "caption4j-body-deadline");
        t.setDaemon(true);
        return t;
    });

    private final AtomicBoolean expired = new AtomicBoolean();
    private final ScheduledFuture<?> task;

    BodyDeadline(HttpServletRequest req, long millis) {
        Request base = Request.getBaseRequest(req);
        task = TIMER.schedule(() -> {
            expired.set(true);
            if (base != null) {
                base.getHttpChannel().getEndPoint().close();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    boolean expired() {
        return expired.get();
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
