package io.caption4j.cli.serve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;

import io.caption4j.core.CaptionException;
import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * Optional API-key authentication: every request but the health checks needs {@code Authorization: Bearer <key>},
 * compared in constant time ({@link MessageDigest#isEqual}); others get 401 JSON with {@code WWW-Authenticate}.
 */
public final class ApiKeyAuth {
    /** The environment variable holding the key when no key file is given. */
    public static final String ENV = "CAPTION4J_API_KEY";
    private static final int MAX_KEY_FILE_BYTES = 4096;

    private final byte[] key;

    public ApiKeyAuth(String key) {
        if (key == null || key.isBlank()) {
            throw new CaptionException("the API key is empty");
        }
        this.key = key.strip().getBytes(StandardCharsets.UTF_8);
    }

    /** The key in a file (its first line, trimmed; the file at most 4 KB). */
    public static ApiKeyAuth fromFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CaptionException(file + ": no such API key file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(MAX_KEY_FILE_BYTES + 1);
            if (b.length > MAX_KEY_FILE_BYTES) {
                throw new CaptionException(file + ": an API key file over " + MAX_KEY_FILE_BYTES + " bytes; is it the key?");
            }
            String text = new String(b, StandardCharsets.UTF_8).strip();
            int eol = text.indexOf('\n');
            String k = (eol < 0 ? text : text.substring(0, eol)).strip();
            if (k.isEmpty()) {
                throw new CaptionException(file + ": the API key file is empty");
            }
            return new ApiKeyAuth(k);
        } catch (IOException e) {
            throw new CaptionException(file + ": cannot read the API key file (" + e.getMessage() + ")", e);
        }
    }

    /** Checks every request but {@code /health...} before its handler. */
    void register(Javalin app) {
        app.before(ctx -> {
            if (!ctx.path().startsWith("/health") && !authorized(ctx)) {
                ctx.header("WWW-Authenticate", "Bearer");
                ctx.status(401).json(Map.of("error", "missing or wrong API key: send the header"
                        + " 'Authorization: Bearer <key>'", "status", 401));
                ctx.skipRemainingHandlers();
            }
        });
    }

    private boolean authorized(Context ctx) {
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(h.substring(7).strip().getBytes(StandardCharsets.UTF_8), key);
    }
}
