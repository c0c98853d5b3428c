package io.caption4j.cli.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.caption4j.core.CaptionException;

/**
 * Optional API-key authentication: a request must carry one of the keys as {@code Authorization: Bearer KEY} or
 * {@code X-API-Key: KEY}, else 401 JSON with {@code WWW-Authenticate}. Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual} (constant time, and the digests' equal length hides the key's). The health probes, the
 * API description and the web page stay open (a load balancer or a browser needs no key; the page's calls do).
 */
public final class ApiKeyAuth {
    /** Paths answered without a key, besides the web page's files under {@value #OPEN_PREFIX}. */
    static final Set<String> OPEN_PATHS = Set.of("/health", "/health/live", "/health/ready", "/openapi.json", "/");
    static final String OPEN_PREFIX = "/page/";
    /** The environment variable holding a key when no key file is given. */
    public static final String ENV = "CAPTION4J_API_KEY";
    /** Keys shorter than this are accepted, but the command line warns (guessable). */
    public static final int RECOMMENDED_LENGTH = 16;
    private static final int MAX_KEY_FILE_BYTES = 1 << 20;

    private final List<byte[]> digests = new ArrayList<>();
    private final int shortest;

    /** One key (surrounding blanks ignored). */
    public ApiKeyAuth(String key) {
        this(List.of(key == null ? "" : key));
    }

    private ApiKeyAuth(List<String> keys) {
        int min = Integer.MAX_VALUE;
        for (String k : keys) {
            String key = k.strip();
            if (key.isEmpty()) {
                throw new CaptionException("the API key is empty");
            }
            digests.add(sha256(key));
            min = Math.min(min, key.length());
        }
        if (digests.isEmpty()) {
            throw new CaptionException("no API key given");
        }
        this.shortest = min;
    }

    /** The given keys. */
    public static ApiKeyAuth of(String... keys) {
        return new ApiKeyAuth(List.of(keys));
    }

    /**
     * The keys in a file, one per line (blank lines and lines starting with # ignored), so keys can be rotated without
     * downtime; the file is at most 1 MiB.
     */
    public static ApiKeyAuth fromFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CaptionException(file + ": no such API key file");
        }
        List<String> keys = new ArrayList<>();
        try {
            if (Files.size(file) > MAX_KEY_FILE_BYTES) {
                throw new CaptionException(file + ": an API key file over 1 MiB; is it the key file?");
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String k = line.strip();
                if (!k.isEmpty() && !k.startsWith("#")) {
                    keys.add(k);
                }
            }
        } catch (IOException e) {
            throw new CaptionException(file + ": cannot read the API key file (" + e.getMessage() + ")", e);
        }
        if (keys.isEmpty()) {
            throw new CaptionException(file + ": the API key file is empty (one key per line)");
        }
        return new ApiKeyAuth(keys);
    }

    /** The length of the shortest key, in characters. */
    public int shortestKey() {
        return shortest;
    }

    /** Null when the request may pass, else the 401 to answer. */
    HttpError check(String path, String authorization, String apiKey) {
        if (OPEN_PATHS.contains(path) || path.startsWith(OPEN_PREFIX)) {
            return null;
        }
        String given = apiKey;
        if (given == null && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = authorization.substring(7).strip();
        }
        if (given != null && matches(given)) {
            return null;
        }
        return new HttpError(401, given == null
                ? "this server needs an API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'"
                : "the API key is not valid", Map.of("WWW-Authenticate", "Bearer"));
    }

    private boolean matches(String key) {
        byte[] d = sha256(key);
        boolean ok = false;
        for (byte[] k : digests) {
            ok |= MessageDigest.isEqual(d, k);        // every key compared, so timing does not tell which matched
        }
        return ok;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
