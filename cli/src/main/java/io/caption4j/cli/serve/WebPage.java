package io.caption4j.cli.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * The web page at {@code GET /} (drop a photo, read the caption, watch the attention), its script and style at
 * {@code GET /page/NAME}: plain files from this jar's resources, read once at start. A Content-Security-Policy keeps
 * every asset on this server (the page talks only to the public {@code /v1/captions}). The page's files need no API key
 * ({@link ApiKeyAuth}); its captions do.
 */
final class WebPage {
    static final String RESOURCES = "/io/caption4j/cli/serve/page/";
    static final String POLICY = "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "page.js", "text/javascript; charset=utf-8",
            "page.css", "text/css; charset=utf-8");

    private final Map<String, byte[]> files = new LinkedHashMap<>();

    WebPage() {
        for (String name : TYPES.keySet()) {
            try (InputStream in = WebPage.class.getResourceAsStream(RESOURCES + name)) {
                if (in == null) {
                    throw new IllegalStateException("the web page's " + name + " is missing from the jar (" + RESOURCES + ")");
                }
                files.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Adds {@code GET /} and {@code GET /page/{name}} through get(path, handler) (the server's route list). */
    void register(BiConsumer<String, Handler> get) {
        get.accept("/", ctx -> send(ctx, "index.html"));
        get.accept("/page/{name}", ctx -> {
            String name = ctx.pathParam("name");
            if (!files.containsKey(name) || name.equals("index.html")) {
                throw new HttpError(404, "no such file: /page/" + name);
            }
            send(ctx, name);
        });
    }

    private void send(Context ctx, String name) {
        ctx.header("Content-Security-Policy", POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType(TYPES.get(name));
        ctx.result(files.get(name));
    }
}
