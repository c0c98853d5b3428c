package io.caption4j.cli.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Reads request bodies without holding a thread while the bytes are in transit (servlet asynchronous I/O), so slow or
 * stalled clients cost a socket and their bytes, not one of the server's threads. Every body is bounded: by size
 * (413), by a minimum average rate after a grace period (408; a client sending 1 byte every few seconds is cut off
 * within seconds), and by a budget of bytes buffered across all requests at once (503 when it is spent).
 */
final class UploadReader implements AutoCloseable {
    private static final Map<String, String> CLOSE = Map.of("Connection", "close");
    private final long minBytesPerSecond, graceMillis, budget;
    private final AtomicLong buffered = new AtomicLong();
    private final ScheduledExecutorService clock;
    private final Executor completions;

    UploadReader(long minBytesPerSecond, long graceSeconds, long budgetBytes, ScheduledExecutorService clock,
            Executor completions) {
        this.minBytesPerSecond = minBytesPerSecond;
        this.graceMillis = TimeUnit.SECONDS.toMillis(graceSeconds);
        this.budget = budgetBytes;
        this.clock = clock;
        this.completions = completions;
    }

    /** Bytes of request bodies held now (being received, or received and not yet released). */
    long buffered() {
        return buffered.get();
    }

    /**
     * Starts reading the body of a request already in asynchronous mode; the upload completes with the bytes, or
     * fails with an {@link HttpError}. {@link Upload#close()} gives its bytes back to the budget.
     */
    Upload read(HttpServletRequest request, long maxBytes) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) {
            throw new HttpError(413, "upload of " + declared + " bytes is over the limit of " + maxBytes + " bytes");
        }
        Upload u = new Upload(request.getInputStream(), maxBytes);
        if (declared > 0) {
            u.reserve(declared);
        }
        u.start();
        return u;
    }

    @Override
    public void close() {
        clock.shutdownNow();
    }

    /** One body being read. */
    final class Upload implements ReadListener, AutoCloseable {
        final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ServletInputStream in;
        private final long maxBytes;
        private final long started = System.nanoTime();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final byte[] chunk = new byte[16 * 1024];
        private long reserved;
        private volatile long received;
        private ScheduledFuture<?> watch;

        Upload(ServletInputStream in, long maxBytes) {
            this.in = in;
            this.maxBytes = maxBytes;
        }

        private synchronized void reserve(long n) {
            long now = buffered.addAndGet(n);
            if (now > budget) {
                buffered.addAndGet(-n);
                throw HttpError.busy("busy: " + budget + " bytes of uploads are being received or processed; try again");
            }
            reserved += n;
        }

        private void start() {
            watch = clock.scheduleAtFixedRate(this::checkRate, 1, 1, TimeUnit.SECONDS);
            in.setReadListener(this);
        }

        private void checkRate() {
            long ms = (System.nanoTime() - started) / 1_000_000;
            long due = minBytesPerSecond * Math.max(0, ms - graceMillis) / 1000;
            if (received < due) {
                fail(new HttpError(408, "the upload is too slow: " + received + " bytes in " + ms / 1000 + " s, below the minimum"
                        + " of " + minBytesPerSecond + " bytes/s after " + graceMillis / 1000 + " s", CLOSE));
            }
        }

        @Override
        public void onDataAvailable() throws IOException {
            while (!body.isDone() && in.isReady()) {
                int n = in.read(chunk);
                if (n < 0) {
                    return;
                }
                synchronized (this) {
                    if (received + n > maxBytes) {
                        fail(new HttpError(413, "upload is over the limit of " + maxBytes + " bytes", CLOSE));
                        return;
                    }
                    if (received + n > reserved) {
                        try {
                            reserve(Math.max(n, Math.min(maxBytes, received + n) - reserved));
                        } catch (HttpError e) {
                            fail(e);
                            return;
                        }
                    }
                    bytes.write(chunk, 0, n);
                    received += n;
                }
            }
        }

        @Override
        public void onAllDataRead() {
            if (watch != null) {
                watch.cancel(false);
            }
            byte[] b;
            synchronized (this) {
                b = bytes.toByteArray();
            }
            completions.execute(() -> body.complete(b));
        }

        @Override
        public void onError(Throwable t) {
            boolean timeout = t instanceof TimeoutException || t.getCause() instanceof TimeoutException;
            fail(timeout ? new HttpError(408, "the upload stalled: no bytes within the idle timeout", CLOSE)
                    : new HttpError(400, "the upload broke off before its end", CLOSE));
        }

        private void fail(HttpError e) {
            if (watch != null) {
                watch.cancel(false);
            }
            if (!body.isDone()) {
                completions.execute(() -> body.completeExceptionally(e));
            }
        }

        /** Gives this upload's bytes back to the budget. */
        @Override
        public synchronized void close() {
            buffered.addAndGet(-reserved);
            reserved = 0;
        }
    }
}
