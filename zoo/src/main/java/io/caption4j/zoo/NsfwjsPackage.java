package io.caption4j.zoo;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

import io.caption4j.core.CaptionException;
import io.caption4j.core.ProgressListener;
import io.caption4j.core.internal.Sha256;
import io.caption4j.zoo.tfjs.TfjsModel;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The npm package {@code nsfwjs@4.4.0} (MIT), source of the default encoder's ImageNet InceptionV3 weights.
 * The first use downloads its tarball (25 MB) from the npm registry over HTTPS into the cache directory (no npm or
 * Node.js needed), verified by SHA-256; every use checks it. The models are read from the tarball in Java.
 * <p>Cache directory: system property {@value #CACHE_PROPERTY}, else environment variable {@value #CACHE_ENV},
 * else {@code ~/.caption4j/cache}. Registry (a mirror): {@value #REGISTRY_PROPERTY}, else {@value #REGISTRY_ENV},
 * else {@value #DEFAULT_REGISTRY}. Offline mode, which forbids any network access (the tarball must then be put
 * into the cache by hand): {@code -D}{@value #OFFLINE_PROPERTY}{@code =true}, or {@value #OFFLINE_ENV}{@code =1}.
 */
public final class NsfwjsPackage {
    public static final String CACHE_PROPERTY = "caption4j.cache";
    public static final String CACHE_ENV = "CAPTION4J_CACHE";
    public static final String REGISTRY_PROPERTY = "caption4j.npm.registry";
    public static final String REGISTRY_ENV = "CAPTION4J_NPM_REGISTRY";
    public static final String DEFAULT_REGISTRY = "https://registry.npmjs.org";
    public static final String OFFLINE_PROPERTY = "caption4j.offline";
    public static final String OFFLINE_ENV = "CAPTION4J_OFFLINE";
    public static final String FILE_NAME = "nsfwjs-4.4.0.tgz";
    public static final String SHA256 = "585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382";
    /** The tarball's length in bytes. */
    public static final long SIZE = 24_973_068L;
    private static final String INCEPTION_DIR = "package/dist/models/inception_v3/";
    /** One download at a time in this JVM; other processes are kept safe by the atomic move. */
    private static final Object DOWNLOAD_LOCK = new Object();

    private NsfwjsPackage() {
    }

    /** The cache directory. */
    public static Path cacheDir() {
        String p = setting(CACHE_PROPERTY, CACHE_ENV);
        return p == null ? Paths.get(System.getProperty("user.home"), ".caption4j", "cache") : Paths.get(p);
    }

    /** The tarball's path in the cache (it may not exist). */
    public static Path tarball() {
        return cacheDir().resolve(FILE_NAME);
    }

    /** The npm registry the tarball is downloaded from, without a trailing slash. */
    public static String registry() {
        String r = setting(REGISTRY_PROPERTY, REGISTRY_ENV);
        r = r == null ? DEFAULT_REGISTRY : r;
        return r.endsWith("/") ? r.substring(0, r.length() - 1) : r;
    }

    /** The tarball's URL in the {@linkplain #registry() registry}. */
    public static URI url() {
        return URI.create(registry() + "/nsfwjs/-/" + FILE_NAME);
    }

    /** Whether offline mode forbids network access: the property is {@code true} or {@code 1}, else the variable is. */
    public static boolean offline() {
        String v = setting(OFFLINE_PROPERTY, OFFLINE_ENV);
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    /** The command that fetches the tarball into the cache with npm (the library needs no npm; this is for by hand). */
    public static String fetchCommand() {
        return "mkdir -p '" + cacheDir() + "' && (cd '" + cacheDir() + "' && npm pack nsfwjs@4.4.0)";
    }

    /**
     * The tarball, checked; downloaded first when it is missing (unless {@linkplain #offline() offline}), its progress
     * logged at INFO every 25 %. A clear error when it cannot be downloaded or is corrupt.
     */
    public static Path verifiedTarball() {
        return verifiedTarball(new LoggingProgress());
    }

    /**
     * As {@link #verifiedTarball()}, a download reporting to {@code progress}: {@code onTaskStart("downloading
     * nsfwjs-4.4.0.tgz", bytes)}, {@code onTaskProgress(bytes)} per block, {@code onTaskEnd()}. Threads that call it
     * at once wait for one download.
     */
    public static Path verifiedTarball(ProgressListener progress) {
        Path t = tarball();
        if (!Files.isRegularFile(t)) {
            synchronized (DOWNLOAD_LOCK) {
                if (!Files.isRegularFile(t)) {
                    download(t, progress);
                }
            }
        }
        String sum;
        try {
            sum = Sha256.hex(t);
        } catch (IOException e) {
            throw new CaptionException("Cannot read " + t + ": " + e.getMessage(), e);
        }
        if (!sum.equals(SHA256)) {
            throw new CaptionException("The encoder weights at " + t + " are corrupt or a different version (SHA-256 "
                    + sum + ", expected " + SHA256 + "). Delete the file: the next use downloads it again"
                    + (offline() ? " (not in offline mode). " : ". ") + byHand(t));
        }
        return t;
    }

    private static void download(Path t, ProgressListener progress) {
        if (offline()) {
            throw new CaptionException("The encoder weights are missing: " + t + " does not exist, and offline mode ("
                    + OFFLINE_PROPERTY + " / " + OFFLINE_ENV + ") forbids downloading them into " + t.getParent()
                    + ". " + byHand(t));
        }
        new VerifiedDownload(url(), t, SHA256, SIZE, byHand(t), VerifiedDownload.READ_TIMEOUT).run(progress);
    }

    /** How to put the tarball into the cache by hand. */
    private static String byHand(Path t) {
        return "To get it by hand, download " + url() + " (or run: " + fetchCommand() + ") and put it at " + t
                + " (SHA-256 " + SHA256 + ").";
    }

    /** The system property, else the environment variable; null when neither is set or both are empty. */
    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) {
            v = System.getenv(env);
        }
        return v == null || v.isEmpty() ? null : v;
    }

    /** The InceptionV3 model from the {@linkplain #verifiedTarball() verified tarball} (downloaded when missing). */
    public static TfjsModel inceptionV3() {
        return readModel(verifiedTarball(), INCEPTION_DIR);
    }

    /** Reads the TF.js model in directory {@code dir} of a package tarball (model.min.js + shard modules). */
    public static TfjsModel readModel(Path tarball, String dir) {
        Map<String, byte[]> files = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                new BufferedInputStream(Files.newInputStream(tarball))))) {
            for (TarArchiveEntry e; (e = tar.getNextTarEntry()) != null; ) {
                if (e.isFile() && e.getName().startsWith(dir)) {
                    files.put(e.getName().substring(dir.length()), tar.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new CaptionException(tarball + ": cannot read the package (" + e.getMessage() + ")", e);
        }
        byte[] model = files.get("model.min.js");
        if (model == null) {
            model = files.get("model.json");
        }
        if (model == null) {
            throw new CaptionException(tarball + ": no " + dir + "model.min.js or model.json in the package");
        }
        String source = tarball + "!" + dir;
        return TfjsModel.read(new String(model, StandardCharsets.UTF_8), path -> {
            byte[] b = files.get(path + ".min.js");
            return b != null ? b : files.get(path);
        }, source);
    }
}
