package io.caption4j.zoo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.caption4j.core.CaptionException;
import io.caption4j.core.ProgressListener;
import io.caption4j.core.internal.Sha256;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * NsfwjsPackage downloads the missing tarball from the npm registry (here a loopback server serving the real one)
 * once, verified, into the cache; offline mode makes no request; errors name the URL and how to get the file by hand.
 */
class NsfwjsDownloadTest {
    private static final String PATH = "/nsfwjs/-/nsfwjs-4.4.0.tgz";
    private static final String[] PROPERTIES = {NsfwjsPackage.CACHE_PROPERTY, NsfwjsPackage.REGISTRY_PROPERTY,
        NsfwjsPackage.OFFLINE_PROPERTY};
    private final String[] before = new String[PROPERTIES.length];
    @TempDir
    Path cache;
    private LoopbackServer server;

    @BeforeEach
    void save() {
        for (int i = 0; i < PROPERTIES.length; i++) {
            before[i] = System.getProperty(PROPERTIES[i]);
        }
    }

    @AfterEach
    void restore() throws InterruptedException {
        for (int i = 0; i < PROPERTIES.length; i++) {
            if (before[i] == null) {
                System.clearProperty(PROPERTIES[i]);
            } else {
                System.setProperty(PROPERTIES[i], before[i]);
            }
        }
        if (server != null) {
            server.close();
        }
    }

    /** Points the cache at the temporary directory and the registry at a loopback server. */
    private void serve(LoopbackServer s) {
        server = s;
        System.setProperty(NsfwjsPackage.CACHE_PROPERTY, cache.toString());
        System.setProperty(NsfwjsPackage.REGISTRY_PROPERTY, s.base());
        System.clearProperty(NsfwjsPackage.OFFLINE_PROPERTY);
    }

    private List<Path> cacheFiles() throws Exception {
        try (Stream<Path> files = Files.list(cache)) {
            return files.toList();
        }
    }

    @Test
    void missingTarballIsDownloadedOnceVerified() throws Exception {
        Path real = NsfwjsPackage.tarball();   // the real cache, before the property points elsewhere
        assumeTrue(Files.isRegularFile(real), "nsfwjs tarball not in the cache; fetch it with: "
                + NsfwjsPackage.fetchCommand());
        byte[] tarball = Files.readAllBytes(real);
        assertEquals(NsfwjsPackage.SHA256, Sha256.hex(tarball));
        serve(new LoopbackServer(x -> {
            assertEquals(PATH, x.getRequestURI().getPath());
            LoopbackServer.send(x, tarball);
        }));
        assertEquals(server.uri(PATH.substring(1)), NsfwjsPackage.url());

        // two threads at once: one download, the other waits for it
        AtomicLong bytes = new AtomicLong();
        AtomicLong totals = new AtomicLong();
        ProgressListener counting = new ProgressListener() {
            @Override
            public void onTaskStart(String task, long total) {
                assertEquals("downloading nsfwjs-4.4.0.tgz", task);
                totals.addAndGet(total);
            }

            @Override
            public void onTaskProgress(long items) {
                bytes.addAndGet(items);
            }
        };
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<Path>> results = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return NsfwjsPackage.verifiedTarball(counting);
            }));
        }
        go.countDown();
        for (Future<Path> r : results) {
            assertEquals(cache.resolve(NsfwjsPackage.FILE_NAME), r.get());
        }
        pool.shutdown();
        assertEquals(1, server.requests());
        assertEquals(tarball.length, bytes.get(), "the progress reports sum to the tarball's size");
        assertEquals(tarball.length, totals.get());
        assertEquals(NsfwjsPackage.SHA256, Sha256.hex(cache.resolve(NsfwjsPackage.FILE_NAME)));
        assertEquals(List.of(cache.resolve(NsfwjsPackage.FILE_NAME)), cacheFiles(), "no temporary file left");

        NsfwjsPackage.verifiedTarball();   // cached: no second download
        assertEquals(1, server.requests());
    }

    @Test
    void httpErrorNamesStatusUrlAndTheWayByHand() throws Exception {
        serve(new LoopbackServer(x -> x.sendResponseHeaders(404, -1)));
        CaptionException e = assertThrows(CaptionException.class, NsfwjsPackage::verifiedTarball);
        String m = e.getMessage();
        assertTrue(m.contains("HTTP 404") && m.contains(server.base() + PATH.substring(1))
                && m.contains("npm pack nsfwjs@4.4.0") && m.contains(cache.resolve(NsfwjsPackage.FILE_NAME).toString())
                && m.contains(NsfwjsPackage.SHA256), m);
        assertEquals(List.of(), cacheFiles());
    }

    @Test
    void wrongSizeIsRefusedBeforeTheBody() throws Exception {
        serve(new LoopbackServer(x -> LoopbackServer.send(x, "<html>a captive portal</html>".getBytes())));
        CaptionException e = assertThrows(CaptionException.class, NsfwjsPackage::verifiedTarball);
        assertTrue(e.getMessage().contains("offers 29 bytes, expected " + NsfwjsPackage.SIZE), e.getMessage());
        assertEquals(List.of(), cacheFiles());
    }

    @Test
    void offlineModeMakesNoRequest() throws Exception {
        serve(new LoopbackServer(x -> x.sendResponseHeaders(500, -1)));
        System.setProperty(NsfwjsPackage.OFFLINE_PROPERTY, "true");
        assertTrue(NsfwjsPackage.offline());
        CaptionException e = assertThrows(CaptionException.class, NsfwjsPackage::verifiedTarball);
        String m = e.getMessage();
        assertTrue(m.contains("offline") && m.contains(cache.toString()) && m.contains(NsfwjsPackage.url().toString())
                && m.contains("npm pack nsfwjs@4.4.0"), m);
        assertEquals(0, server.requests());
        assertEquals(List.of(), cacheFiles());
    }

    @Test
    void registryAndOfflineSettings() {
        System.setProperty(NsfwjsPackage.REGISTRY_PROPERTY, "https://mirror.example/npm/");
        assertEquals("https://mirror.example/npm/nsfwjs/-/nsfwjs-4.4.0.tgz", NsfwjsPackage.url().toString());
        System.setProperty(NsfwjsPackage.OFFLINE_PROPERTY, "1");
        assertTrue(NsfwjsPackage.offline());
        System.setProperty(NsfwjsPackage.OFFLINE_PROPERTY, "false");
        assertFalse(NsfwjsPackage.offline(), "the property, when set, wins over the environment");
        System.clearProperty(NsfwjsPackage.REGISTRY_PROPERTY);
        if (System.getenv(NsfwjsPackage.REGISTRY_ENV) == null) {
            assertEquals("https://registry.npmjs.org/nsfwjs/-/nsfwjs-4.4.0.tgz", NsfwjsPackage.url().toString());
        }
    }
}
