package io.caption4j.zoo;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

import io.caption4j.core.CaptionException;
import io.caption4j.core.internal.Sha256;
import io.caption4j.zoo.tfjs.TfjsModel;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The npm package {@code nsfwjs@4.4.0} (MIT), source of the default encoder's ImageNet InceptionV3 weights.
 * It is fetched once with {@code npm pack nsfwjs@4.4.0} into the cache directory and checked by SHA-256;
 * the models are read from the tarball in Java (no Node.js at run time).
 * <p>Cache directory: system property {@value #CACHE_PROPERTY}, else environment variable {@value #CACHE_ENV},
 * else {@code ~/.caption4j/cache}.
 */
public final class NsfwjsPackage {
    public static final String CACHE_PROPERTY = "caption4j.cache";
    public static final String CACHE_ENV = "CAPTION4J_CACHE";
    public static final String FILE_NAME = "nsfwjs-4.4.0.tgz";
    public static final String SHA256 = "585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382";
    private static final String INCEPTION_DIR = "package/dist/models/inception_v3/";

    private NsfwjsPackage() {
    }

    /** The cache directory. */
    public static Path cacheDir() {
        String p = System.getProperty(CACHE_PROPERTY);
        if (p == null || p.isEmpty()) {
            p = System.getenv(CACHE_ENV);
        }
        return p == null || p.isEmpty() ? Paths.get(System.getProperty("user.home"), ".caption4j", "cache") : Paths.get(p);
    }

    /** The tarball's path in the cache (it may not exist). */
    public static Path tarball() {
        return cacheDir().resolve(FILE_NAME);
    }

    /** The command that fetches the tarball into the cache. */
    public static String fetchCommand() {
        return "mkdir -p '" + cacheDir() + "' && (cd '" + cacheDir() + "' && npm pack nsfwjs@4.4.0)";
    }

    /** The tarball, checked: a clear error when it is missing or corrupt. */
    public static Path verifiedTarball() {
        Path t = tarball();
        if (!Files.isRegularFile(t)) {
            throw new CaptionException("The encoder weights are missing: " + t + " does not exist. Fetch them once with: "
                    + fetchCommand());
        }
        String sum;
        try {
            sum = Sha256.hex(t);
        } catch (IOException e) {
            throw new CaptionException("Cannot read " + t + ": " + e.getMessage(), e);
        }
        if (!sum.equals(SHA256)) {
            throw new CaptionException("The encoder weights at " + t + " are corrupt or a different version (SHA-256 "
                    + sum + ", expected " + SHA256 + "). Delete the file and fetch it again with: " + fetchCommand());
        }
        return t;
    }

    /** The InceptionV3 model from the verified tarball. */
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
