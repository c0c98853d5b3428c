package io.caption4j.cli.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * The web page at {@code GET /} (drop a photo, read the caption, watch the attention), its script and style at
 * {@code GET /page/NAME}: plain files from this jar's resources, read once at start. A Content-Security-Policy keeps
 * every asset on this server (the page talks only to the public {@code /v1/captions}).
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

    /** Adds {@code GET /} and {@code GET /page/{name}}. */
    void register(Javalin app) {
        app.get("/", ctx -> send(ctx, "index.html"));
        app.get("/page/{name}", ctx -> {
            String name = ctx.pathParam("name");
            if (!files.containsKey(name) || name.equals("index.html")) {
                ctx.status(404).json(Map.of("error", "no such file: /page/" + name, "status", 404));
                return;
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
