package io.caption4j.cli.serve;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.core.image.ImageMemoryException;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.javalin.json.JsonMapper;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The captioning HTTP service: {@code POST /v1/captions} (raw image bytes, or a multipart upload with the image
 * in any file field; optional {@code beam} and {@code max_length} as query or form parameters) answers
 * {@code {caption, tokens, logprob, ms}}; {@code GET /health}, {@code /health/live}, {@code /health/ready} (after
 * a warm-up caption), {@code /v1/models}. Uploads over the limit get 413, undecodable images
 * 400; at most {@code workers} captions run at once and {@code queue} more wait, the rest get 503.
 * {@link #close()} stops accepting, lets running requests finish, then stops.
 */
public final class CaptionServer implements AutoCloseable {
    /** Server limits: settings, so public fields whose initial values are the defaults (the command line's too). */
    public static final class Limits {
        public long maxUploadBytes = 20L << 20;
        public int workers = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        public int queue = 16;
        public int maxBeam = 10;
        public int maxLength = 100;
        public long requestTimeoutSeconds = 120;
        /** Slowest accepted average upload speed after the headers; slower bodies are cut with 408. */
        public long minRequestBytesPerSecond = 16 * 1024;
        /** Longest wait for the next bytes of a connection (reads and keep-alive). */
        public long idleTimeoutMillis = 10_000;
        /** Longest time to read one request's whole body. */
        public long bodyTimeoutMillis = 60_000;
        /** Open connections at most; more wait in the accept backlog. The HTTP thread pool is this plus 64. */
        public int maxConnections = 1000;
        /** Images with more pixels are decoded subsampled to about this many (the model reads 299x299 anyway). */
        public long decodePixels = 4_000_000;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CaptionModel model;
    private final Limits limits;
    private final ImageLoader loader;
    private final ExecutorService pool;
    private final Semaphore admission;
    private final AtomicInteger served = new AtomicInteger();
    private Javalin app;
    private ApiKeyAuth auth;
    private ModelInfo info = new ModelInfo("model", null);
    private volatile boolean ready;
    private volatile boolean closing;

    public CaptionServer(CaptionModel model, Limits limits) {
        if (limits.workers < 1 || limits.queue < 0 || limits.maxUploadBytes < 1) {
            throw new IllegalArgumentException("workers must be >= 1, queue >= 0 and the upload limit >= 1 byte");
        }
        this.model = model;
        this.limits = limits;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(limits.workers, r -> {
            Thread t = new Thread(r, "caption4j-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.admission = new Semaphore(limits.workers + limits.queue);
        this.loader = new ImageLoader(Long.getLong(ImageLoader.MAX_PIXELS_PROPERTY, ImageLoader.DEFAULT_MAX_PIXELS),
                limits.decodePixels);
    }

    /** Requires an API key on every request but the health checks (call before {@link #start}). */
    public CaptionServer optApiKey(ApiKeyAuth apiKey) {
        this.auth = apiKey;
        return this;
    }

    /** What {@code /v1/models} reports (call before {@link #start}). */
    public CaptionServer optModelInfo(ModelInfo modelInfo) {
        this.info = modelInfo;
        return this;
    }

    /** Starts listening on host:port (port 0: any free port); returns the port. */
    public int start(String host, int port) {
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            JettyHardening.apply(config, host, port, limits);
            config.jsonMapper(new JsonMapper() {        // DL4J's shaded Jackson; Javalin looks for the unshaded one
                @Override
                public String toJsonString(Object obj, Type type) {
                    try {
                        return JSON.writeValueAsString(obj);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            config.http.maxRequestSize = limits.maxUploadBytes;
            config.jetty.multipartConfig.maxFileSize(limits.maxUploadBytes, SizeUnit.BYTES);
            config.jetty.multipartConfig.maxTotalRequestSize(limits.maxUploadBytes + 64 * 1024, SizeUnit.BYTES);
            config.jetty.multipartConfig.maxInMemoryFileSize((int) Math.min(Integer.MAX_VALUE, limits.maxUploadBytes),
                    SizeUnit.BYTES);
            config.jetty.modifyServer(server -> server.setStopTimeout(TimeUnit.SECONDS.toMillis(limits.requestTimeoutSeconds)));
        });
        if (auth != null) {
            auth.register(app);
        }
        app.get("/health", ctx -> ctx.json(Map.of("status", "ok", "served", served.get(),
                "busy", limits.workers + limits.queue - admission.availablePermits())));
        app.get("/health/live", ctx -> ctx.json(Map.of("status", "ok")));
        app.get("/health/ready", ctx -> {
            boolean r = ready && !closing;
            ctx.status(r ? 200 : 503).json(Map.of("status", r ? "ready" : closing ? "stopping" : "warming up"));
        });
        app.get("/v1/models", ctx -> ctx.json(Map.of("models", List.of(info.describe(model)))));
        app.post("/v1/captions", this::captions);
        app.exception(Exception.class, (e, ctx) -> error(ctx, 500, "internal error: " + e.getMessage()));
        app.start();
        warmUp();
        return app.port();
    }

    private void captions(Context ctx) throws Exception {
        long length = ctx.req().getContentLengthLong();
        if (length > limits.maxUploadBytes + (isMultipart(ctx) ? 64 * 1024 : 0)) {
            error(ctx, 413, "upload of " + length + " bytes is over the limit of " + limits.maxUploadBytes + " bytes");
            return;
        }
        byte[] bytes;
        String name;
        BodyDeadline deadline = new BodyDeadline(ctx.req(), limits.bodyTimeoutMillis);
        try {
            if (isMultipart(ctx)) {
                List<UploadedFile> files = ctx.uploadedFiles();
                if (files.isEmpty()) {
                    error(ctx, 400, "the multipart request has no file");
                    return;
                }
                UploadedFile f = files.get(0);
                if (f.size() > limits.maxUploadBytes) {
                    error(ctx, 413, "upload is over the limit of " + limits.maxUploadBytes + " bytes");
                    return;
                }
                try (InputStream in = f.content()) {
                    bytes = in.readAllBytes();
                }
                name = f.filename();
            } else {
                bytes = readCapped(ctx.req().getInputStream(), limits.maxUploadBytes);
                if (bytes == null) {
                    error(ctx, 413, "upload is over the limit of " + limits.maxUploadBytes + " bytes");
                    return;
                }
                name = "upload";
            }
        } catch (RuntimeException | IOException e) {   // the servlet multipart limits, slow or stalled bodies
            if (deadline.expired() || SlowBody.isTimeout(e)) {
                error(ctx, 408, "the upload was too slow: the body must arrive at " + limits.minRequestBytesPerSecond
                        + " bytes/s or more, within " + limits.bodyTimeoutMillis / 1000 + " s");
                return;
            }
            String m = String.valueOf(e.getMessage());
            boolean tooLarge = m.contains("exceeds") || m.contains("too large") || m.contains("max");
            error(ctx, tooLarge ? 413 : 400, tooLarge ? "upload is over the limit of " + limits.maxUploadBytes + " bytes"
                    : "cannot read the upload: " + m);
            return;
        } finally {
            deadline.close();
        }
        if (bytes.length == 0) {
            error(ctx, 400, "empty body: send the image bytes, or a multipart upload");
            return;
        }
        DecodeOptions o;
        try {
            o = options(ctx);
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        if (!admission.tryAcquire()) {             // admitted before decoding: a refused request costs no decode
            busy(ctx);
            return;
        }
        Caption c;
        try {
            BufferedImage image;
            try {
                image = loader.read(bytes, name);
            } catch (ImageMemoryException e) {
                busy(ctx);
                return;
            } catch (CaptionException e) {
                error(ctx, 400, e.getMessage());
                return;
            } catch (OutOfMemoryError e) {
                busy(ctx);
                return;
            }
            bytes = null;                           // the encoded upload is no longer needed while captioning
            Future<Caption> f = pool.submit(() -> model.describe(image, o));
            c = f.get(limits.requestTimeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            error(ctx, 500, "captioning failed: " + e.getCause().getMessage());
            return;
        } finally {
            admission.release();
        }
        served.incrementAndGet();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("caption", c.text());
        body.put("tokens", c.tokens());
        body.put("logprob", c.logProb());
        body.put("ms", Math.round(c.millis()));
        ctx.json(body);
    }

    /** One caption of a blank image on a worker (holding a place), so the first request pays no first-call costs. */
    private void warmUp() {
        admission.acquireUninterruptibly();
        pool.submit(() -> {
            try {
                model.describe(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB));
                ready = true;                       // a model whose warm-up fails is never ready
            } catch (RuntimeException e) {
                System.err.println("caption4j serve: the warm-up caption failed: " + e.getMessage());
            } finally {
                admission.release();
            }
        });
    }

    private void busy(Context ctx) {
        ctx.header("Retry-After", "1");
        error(ctx, 503, "busy: " + limits.workers + " captions running and " + limits.queue + " waiting, or short of"
                + " memory; try again");
    }

    private static boolean isMultipart(Context ctx) {
        String type = ctx.contentType();
        return type != null && type.toLowerCase().startsWith("multipart/form-data");
    }

    private DecodeOptions options(Context ctx) {
        DecodeOptions d = model.defaultOptions();
        Integer beam = intParam(ctx, "beam", 1, limits.maxBeam);
        Integer max = intParam(ctx, "max_length", 1, limits.maxLength);
        DecodeOptions o = beam == null ? d : DecodeOptions.beamOrGreedy(beam);
        return o.withMaxLength(max != null ? max : d.maxLength);
    }

    private static Integer intParam(Context ctx, String name, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null && isMultipart(ctx)) {
            v = ctx.formParam(name);
        }
        if (v == null) {
            return null;
        }
        try {
            int i = Integer.parseInt(v.trim());
            if (i < min || i > max) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + i);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
        }
    }

    /** The stream's bytes, or null when there are more than max. */
    private static byte[] readCapped(InputStream in, long max) throws IOException {
        byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        return b.length > max ? null : b;
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message, "status", status));
    }

    /** Stops taking requests, lets running ones finish (up to the request timeout), then stops. */
    @Override
    public void close() {
        closing = true;
        if (app != null) {
            app.stop();
        }
        pool.shutdown();
        try {
            pool.awaitTermination(limits.requestTimeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
