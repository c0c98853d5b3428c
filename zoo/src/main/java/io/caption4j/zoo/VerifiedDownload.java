package io.caption4j.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.caption4j.core.CaptionException;
import io.caption4j.core.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file fetched over HTTP(S) into a cache: streamed into a temporary file beside the target while its SHA-256
 * is computed, checked against the expected digest and length, then moved into place atomically, so that no reader
 * (thread or process) ever sees a partial file. On any failure the temporary file is deleted and a
 * {@link CaptionException} says what happened, the URL, and how to get the file by hand.
 */
final class VerifiedDownload {
    private static final Logger log = LoggerFactory.getLogger(VerifiedDownload.class);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** The longest wait for the response headers, and for each next block of the body. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private static final SecureRandom RANDOM = new SecureRandom();
    private final URI uri;
    private final Path target;
    private final String sha256;
    private final long size;
    private final String byHand;
    private final Duration readTimeout;

    /**
     * @param size   the expected length in bytes, or -1 when unknown (then only Content-Length, if given, is checked)
     * @param byHand how to get the file without this class, appended to every error
     */
    VerifiedDownload(URI uri, Path target, String sha256, long size, String byHand, Duration readTimeout) {
        this.uri = uri;
        this.target = target.toAbsolutePath();
        this.sha256 = sha256.toLowerCase(Locale.ROOT);
        this.size = size;
        this.byHand = byHand;
        this.readTimeout = readTimeout;
    }

    /** Downloads the file to the target path (replacing what is there) and returns that path. */
    Path run(ProgressListener progress) {
        Path dir = target.getParent();
        Path tmp;
        try {
            Files.createDirectories(dir);
            // a name of its own per download (two processes may download at once); created with the umask's
            // permissions, as the file itself should be (createTempFile would make it owner-only)
            tmp = Files.createFile(dir.resolve(target.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".part"));
        } catch (IOException e) {
            throw fail("cannot write into " + dir + " (" + e + ")", e);
        }
        try {
            long t0 = System.nanoTime();
            long bytes = fetchInto(tmp, progress);
            moveIntoPlace(tmp);
            log.info("Downloaded {} ({}, SHA-256 verified) in {}", target.getFileName(), megabytes(bytes),
                    String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9));
            return target;
        } finally {
            try {
                Files.deleteIfExists(tmp);   // gone after a move; else a failed or redundant download
            } catch (IOException e) {
                log.warn("Cannot delete the partial download {}: {}", tmp, e.toString());
            }
        }
    }

    /** Streams the body into {@code tmp}, checked; returns its length. */
    private long fetchInto(Path tmp, ProgressListener progress) {
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(CONNECT_TIMEOUT).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(readTimeout).header("User-Agent", "caption4j")
                .GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw fail("no response within " + seconds(readTimeout) + " (" + e + ")", e);
        } catch (IOException e) {
            throw fail("cannot connect (" + e + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("interrupted", e);
        }
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw fail("the server answered HTTP " + response.statusCode(), null);
            }
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (length >= 0 && size >= 0 && length != size) {
                throw fail("the server offers " + length + " bytes, expected " + size, null);
            }
            long total = length >= 0 ? length : size;
            log.info("Downloading {} ({}) to {}", uri, megabytes(total), target);
            progress.onTaskStart("downloading " + target.getFileName(), total);
            try {
                return copyChecked(in, tmp, total, progress);
            } finally {
                progress.onTaskEnd();
            }
        } catch (IOException e) {
            throw fail("cannot read the response (" + e + ")", e);
        }
    }

    /**
     * Copies the body into {@code tmp}, hashing as it goes. A watchdog closes the body when no byte came for the read
     * timeout (the HTTP client has no timeout of its own once the headers are in).
     */
    private long copyChecked(InputStream in, Path tmp, long total, ProgressListener progress) throws IOException {
        MessageDigest md = newSha256();
        long received = 0;
        AtomicLong lastRead = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "caption4j-download-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(10, Math.min(1000, readTimeout.toMillis() / 4));
        watchdog.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastRead.get() > readTimeout.toNanos() && !stalled.getAndSet(true)) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // the reader sees the end of the stream or an error either way
                }
            }
        }, period, period, TimeUnit.MILLISECONDS);
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) >= 0; ) {
                lastRead.set(System.nanoTime());
                received += r;
                if (total >= 0 && received > total) {
                    throw fail("the server sent more than the expected " + total + " bytes", null);
                }
                md.update(buf, 0, r);
                for (ByteBuffer b = ByteBuffer.wrap(buf, 0, r); b.hasRemaining(); ) {
                    out.write(b);
                }
                progress.onTaskProgress(r);
            }
            if (stalled.get()) {
                throw stall(received, total);
            }
            out.force(true);
        } catch (IOException e) {
            if (stalled.get()) {
                throw stall(received, total);
            }
            throw fail("the download broke off after " + received + (total >= 0 ? " of " + total : "") + " bytes ("
                    + e + ")", e);
        } finally {
            watchdog.shutdownNow();
        }
        if (total >= 0 && received < total) {
            throw fail("the download is truncated: " + received + " of " + total + " bytes", null);
        }
        String sum = HexFormat.of().formatHex(md.digest());
        if (!sum.equals(sha256)) {
            throw fail("the download is corrupt: its SHA-256 is " + sum + ", expected " + sha256, null);
        }
        return received;
    }

    private void moveIntoPlace(Path tmp) {
        try {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (!Files.isRegularFile(target)) {   // else another process moved its copy in first
                throw fail("cannot move the download to " + target + " (" + e + ")", e);
            }
        }
    }

    private CaptionException stall(long received, long total) {
        return fail("no data for " + seconds(readTimeout) + " after " + received
                + (total >= 0 ? " of " + total : "") + " bytes", null);
    }

    private CaptionException fail(String what, Throwable cause) {
        return new CaptionException("Cannot download " + target.getFileName() + " from " + uri + ": " + what + ". "
                + byHand, cause);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "size unknown" : String.format(Locale.ROOT, bytes < 1e7 ? "%.1f MB" : "%.0f MB", bytes / 1e6);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);   // every Java platform has SHA-256
        }
    }
}
