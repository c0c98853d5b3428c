package io.caption4j.zoo;

import java.nio.file.Files;
import java.nio.file.Path;

import io.caption4j.core.CaptionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** The cache location and the messages for a missing or corrupt weights package. */
class NsfwjsPackageTest {
    private final String before = System.getProperty(NsfwjsPackage.CACHE_PROPERTY);
    private final String offlineBefore = System.getProperty(NsfwjsPackage.OFFLINE_PROPERTY);

    @AfterEach
    void restore() {
        restore(NsfwjsPackage.CACHE_PROPERTY, before);
        restore(NsfwjsPackage.OFFLINE_PROPERTY, offlineBefore);
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    @Test
    void missingTarballSaysHowToFetchIt(@TempDir Path dir) {
        System.setProperty(NsfwjsPackage.CACHE_PROPERTY, dir.toString());
        System.setProperty(NsfwjsPackage.OFFLINE_PROPERTY, "true");   // online, it is downloaded (NsfwjsDownloadTest)
        assertEquals(dir.resolve("nsfwjs-4.4.0.tgz"), NsfwjsPackage.tarball());
        CaptionException e = assertThrows(CaptionException.class, NsfwjsPackage::verifiedTarball);
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("npm pack nsfwjs@4.4.0")
                && e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void corruptTarballIsRefused(@TempDir Path dir) throws Exception {
        System.setProperty(NsfwjsPackage.CACHE_PROPERTY, dir.toString());
        Files.writeString(dir.resolve("nsfwjs-4.4.0.tgz"), "half a download");
        CaptionException e = assertThrows(CaptionException.class, NsfwjsPackage::inceptionV3);
        assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    void defaultCacheIsUnderTheHomeDirectory() {
        System.clearProperty(NsfwjsPackage.CACHE_PROPERTY);
        if (System.getenv(NsfwjsPackage.CACHE_ENV) == null) {
            assertEquals(Path.of(System.getProperty("user.home"), ".caption4j", "cache"), NsfwjsPackage.cacheDir());
        }
    }
}
