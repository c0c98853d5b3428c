package io.caption4j.cli.serve;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission to the workers: at most {@code workers + queue} captions admitted (running or waiting) at once, taken
 * before the image is decoded, so a burst of images costs no decoding beyond what the workers do. A ticket is given
 * back when its work really ends (also after a timeout answered the client), so the bound always holds.
 */
final class Admission {
    private final Semaphore permits;
    private final int capacity;
    private final AtomicInteger running = new AtomicInteger();

    Admission(int workers, int queue) {
        this.capacity = workers + queue;
        this.permits = new Semaphore(capacity);
    }

    /** A ticket, or a 503 when workers and queue are full. */
    Ticket admit(String why) {
        if (!permits.tryAcquire()) {
            throw HttpError.busy(why);
        }
        return new Ticket();
    }

    /** Admitted requests, running or waiting. */
    int admitted() {
        return capacity - permits.availablePermits();
    }

    /** Admitted requests whose work is running on a worker. */
    int running() {
        return running.get();
    }

    /** Admitted requests waiting for a worker. */
    int queued() {
        return Math.max(0, admitted() - running());
    }

    /** One admitted request: started when a worker takes it, released (once) when its work ends. */
    final class Ticket {
        private boolean started, released;

        synchronized void start() {
            if (!started && !released) {
                started = true;
                running.incrementAndGet();
            }
        }

        synchronized void release() {
            if (released) {
                return;
            }
            released = true;
            if (started) {
                running.decrementAndGet();
            }
            permits.release();
        }
    }
}
