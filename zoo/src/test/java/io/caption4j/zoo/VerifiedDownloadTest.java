package io.caption4j.zoo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.caption4j.core.CaptionException;
import io.caption4j.core.ProgressListener;
import io.caption4j.core.internal.Sha256;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A download is verified and atomic: a corrupted, truncated or stalled body fails with a message that says what
 * happened, and leaves neither the file nor a temporary file behind. A small body stands in for the 25 MB tarball.
 */
class VerifiedDownloadTest {
    private static final byte[] BODY = new byte[300_000];
    private static final String SHA = Sha256.hex(fill(BODY));
    private static final String BY_HAND = "Put it there yourself.";
    @TempDir
    Path cache;
    private LoopbackServer server;

    private static byte[] fill(byte[] b) {
        new Random(11).nextBytes(b);
        return b;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    private VerifiedDownload download(String path, Duration readTimeout) {
        return new VerifiedDownload(server.uri(path), cache.resolve("file.tgz"), SHA, BODY.length, BY_HAND, readTimeout);
    }

    private CaptionException failure(String path, Duration readTimeout) {
        return assertThrows(CaptionException.class, () -> download(path, readTimeout).run(ProgressListener.NONE));
    }

    private void assertCacheEmpty() throws Exception {
        try (Stream<Path> files = Files.list(cache)) {
            assertEquals(0, files.count(), "the failed download left files in the cache");
        }
    }

    @Test
    void redirectAndBodyWithoutContentLengthAreFollowed() throws Exception {
        server = new LoopbackServer(x -> {
            if (x.getRequestURI().getPath().equals("/old")) {
                x.getResponseHeaders().add("Location", "/new");
                x.sendResponseHeaders(302, -1);
            } else {
                x.sendResponseHeaders(200, 0);   // chunked: the expected size is what is checked
                x.getResponseBody().write(BODY);
            }
        });
        AtomicLong bytes = new AtomicLong();
        AtomicLong total = new AtomicLong();
        Path f = download("old", VerifiedDownload.READ_TIMEOUT).run(new ProgressListener() {
            @Override
            public void onTaskStart(String task, long n) {
                total.set(n);
            }

            @Override
            public void onTaskProgress(long items) {
                bytes.addAndGet(items);
            }
        });
        assertEquals(SHA, Sha256.hex(f));
        assertEquals(BODY.length, bytes.get());
        assertEquals(BODY.length, total.get());
        assertEquals(2, server.requests());
        try (Stream<Path> files = Files.list(cache)) {
            assertEquals(1, files.count(), "only the file itself, no temporary file");
        }
    }

    @Test
    void corruptedBodyIsRefused() throws Exception {
        byte[] flipped = BODY.clone();
        flipped[123_456] ^= 1;
        server = new LoopbackServer(x -> LoopbackServer.send(x, flipped));
        CaptionException e = failure("f", VerifiedDownload.READ_TIMEOUT);
        assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("SHA-256")
                && e.getMessage().contains(SHA) && e.getMessage().contains(server.base() + "f")
                && e.getMessage().endsWith(BY_HAND), e.getMessage());
        assertCacheEmpty();
    }

    @Test
    void connectionDroppedBeforeContentLengthIsReached() throws Exception {
        server = new LoopbackServer(x -> LoopbackServer.sendPart(x, BODY, BODY.length / 2, BODY.length));
        CaptionException e = failure("f", VerifiedDownload.READ_TIMEOUT);
        assertTrue(e.getMessage().contains("broke off") || e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains(server.base() + "f") && e.getMessage().endsWith(BY_HAND), e.getMessage());
        assertCacheEmpty();
    }

    @Test
    void bodyShorterThanTheExpectedSizeIsTruncated() throws Exception {
        server = new LoopbackServer(x -> {
            x.sendResponseHeaders(200, 0);   // chunked, ends cleanly after half the file
            x.getResponseBody().write(BODY, 0, BODY.length / 2);
        });
        CaptionException e = failure("f", VerifiedDownload.READ_TIMEOUT);
        assertTrue(e.getMessage().contains("truncated: " + BODY.length / 2 + " of " + BODY.length), e.getMessage());
        assertCacheEmpty();
    }

    @Test
    void stalledBodyTimesOut() throws Exception {
        server = new LoopbackServer(x -> {
            LoopbackServer.sendPart(x, BODY, BODY.length / 2, BODY.length);
            try {
                server.closing.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long t0 = System.nanoTime();
        CaptionException e = failure("f", Duration.ofMillis(300));
        assertTrue(e.getMessage().contains("no data for 300 ms"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "the read timeout did not stop the download");
        assertCacheEmpty();
    }

    @Test
    void httpErrorNamesStatusAndUrl() throws Exception {
        server = new LoopbackServer(x -> x.sendResponseHeaders(503, -1));
        CaptionException e = failure("f", VerifiedDownload.READ_TIMEOUT);
        assertTrue(e.getMessage().contains("HTTP 503") && e.getMessage().contains(server.base() + "f"), e.getMessage());
        assertCacheEmpty();
    }
}
