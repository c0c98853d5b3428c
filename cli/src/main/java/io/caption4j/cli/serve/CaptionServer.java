package io.caption4j.cli.serve;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
 * in any file field; the decoding and flags of {@code RequestParams} as query or form parameters) answers
 * {@code {caption, tokens, logprob, ms, options, timings_ms}}, with {@code attention} when asked
 * ({@code CaptionJson}); several files in one multipart request are one batch ({@code CaptionBatch});
 * {@code GET /health}, {@code /health/live}, {@code /health/ready} (after a warm-up caption), {@code /v1/models};
 * the web page at {@code GET /} ({@code WebPage}). Uploads over the limit get 413, undecodable images 400; at most
 * {@code workers} captions run at once and {@code queue} more wait, the rest get 503; a request is admitted before
 * its images are decoded.
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
        /** Images in one multipart request, captioned as one batch. */
        public int maxBatch = 16;
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
        new WebPage().register(app);
        app.exception(Exception.class, (e, ctx) -> error(ctx, 500, "internal error: " + e.getMessage()));
        app.start();
        warmUp();
        return app.port();
    }

    private void captions(Context ctx) throws Exception {
        long t0 = System.nanoTime();
        long length = ctx.req().getContentLengthLong();
        if (length > limits.maxUploadBytes + (isMultipart(ctx) ? 64 * 1024 : 0)) {
            error(ctx, 413, "upload of " + length + " bytes is over the limit of " + limits.maxUploadBytes + " bytes");
            return;
        }
        byte[] bytes = null;
        String name = null;
        List<UploadedFile> batch = null;
        RequestParams params = new RequestParams(ctx, isMultipart(ctx));
        BodyDeadline deadline = new BodyDeadline(ctx.req(), limits.bodyTimeoutMillis);
        try {
            if (isMultipart(ctx)) {
                List<UploadedFile> files = ctx.uploadedFiles();
                if (files.isEmpty()) {
                    error(ctx, 400, "the multipart request has no file");
                    return;
                }
                if (files.size() > 1 || params.flag("batch")) {
                    batch = files;
                } else {
                    UploadedFile f = files.get(0);
                    if (f.size() > limits.maxUploadBytes) {
                        error(ctx, 413, "upload is over the limit of " + limits.maxUploadBytes + " bytes");
                        return;
                    }
                    try (InputStream in = f.content()) {
                        bytes = in.readAllBytes();
                    }
                    name = f.filename();
                }
            } else {
                bytes = readCapped(ctx.req().getInputStream(), limits.maxUploadBytes);
                if (bytes == null) {
                    error(ctx, 413, "upload is over the limit of " + limits.maxUploadBytes + " bytes");
                    return;
                }
                name = "upload";
            }
        } catch (IllegalArgumentException e) {              // a bad batch flag
            error(ctx, 400, e.getMessage());
            return;
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
        if (batch != null) {
            batch(ctx, params, batch, t0);
            return;
        }
        if (bytes.length == 0) {
            error(ctx, 400, "empty body: send the image bytes, or a multipart upload");
            return;
        }
        DecodeOptions o;
        boolean attention;
        try {
            o = params.decodeOptions(model.defaultOptions(), limits.maxBeam, limits.maxLength);
            attention = params.flag("attention");
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        long read = System.nanoTime();
        double[] readMs = {0};
        byte[] upload = bytes;
        String file = name;
        Ran<Caption> ran = onWorker(ctx, () -> {
            BufferedImage image = loader.read(upload, file);
            readMs[0] = (System.nanoTime() - read) / 1e6;
            return () -> model.describe(image, o);
        });
        if (ran == null) {
            return;
        }
        served.incrementAndGet();
        Map<String, Object> body = CaptionJson.of(ran.result, attention);
        body.put("options", RequestParams.describe(o));
        body.put("timings_ms", timings(readMs[0], ran, t0, List.of(ran.result)));
        ctx.json(body);
    }

    /**
     * Several images in one multipart request (or {@code batch=true}): {@code {results: [...], options, timings_ms}},
     * one {@code describeAll} for the images that could be read, a per-file {@code status} and {@code error} for the
     * others; 200 unless the request itself is refused (a bad parameter, too many files, busy).
     */
    private void batch(Context ctx, RequestParams params, List<UploadedFile> files, long t0) throws Exception {
        if (files.size() > limits.maxBatch) {
            error(ctx, 400, files.size() + " images in one request; at most " + limits.maxBatch);
            return;
        }
        DecodeOptions o;
        boolean attention;
        try {
            o = params.decodeOptions(model.defaultOptions(), limits.maxBeam, limits.maxLength);
            attention = params.flag("attention");
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        CaptionBatch[] batch = {null};
        Ran<List<Caption>> ran = onWorker(ctx, () -> {
            batch[0] = new CaptionBatch(files, loader, limits.maxUploadBytes);
            List<BufferedImage> images = batch[0].images();
            return images.isEmpty() ? List::of : () -> model.describeAll(images, o);
        });
        if (ran == null) {
            return;
        }
        served.addAndGet(ran.result.size());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("results", batch[0].results(ran.result, attention));
        body.put("options", RequestParams.describe(o));
        body.put("timings_ms", timings(batch[0].readMs(), ran, t0, ran.result));
        ctx.json(body);
    }

    /** A worker's result, with the time it waited for a worker and the time it ran, in milliseconds. */
    private record Ran<T>(T result, double queueMs, double runMs) {
    }

    /** A request's images decoded once it is admitted, as the work to run on a worker. */
    private interface Admitted<T> {
        Callable<T> decode() throws Exception;
    }

    /**
     * Admits the request (or answers 503), then decodes its images on this thread (a refused request costs no decode;
     * an undecodable image is 400, running out of memory while decoding 503) and runs the work on a worker; null after
     * answering an error.
     */
    private <T> Ran<T> onWorker(Context ctx, Admitted<T> request) throws Exception {
        if (!admission.tryAcquire()) {
            busy(ctx);
            return null;
        }
        try {
            Callable<T> work;
            try {
                work = request.decode();
            } catch (ImageMemoryException | OutOfMemoryError e) {
                busy(ctx);
                return null;
            } catch (CaptionException e) {
                error(ctx, 400, e.getMessage());
                return null;
            }
            long submitted = System.nanoTime();
            Future<Ran<T>> f = pool.submit(() -> {
                long started = System.nanoTime();
                T result = work.call();
                return new Ran<>(result, (started - submitted) / 1e6, (System.nanoTime() - started) / 1e6);
            });
            return f.get(limits.requestTimeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            error(ctx, 500, "captioning failed: " + e.getCause().getMessage());
            return null;
        } finally {
            admission.release();
        }
    }

    /**
     * {@code read} (decoding the files), {@code queue} (waiting for a worker), {@code caption} (the model) with its parts
     * {@code encode} (InceptionV3) and {@code words} (the decoder's search), total.
     */
    private static Map<String, Object> timings(double readMs, Ran<?> ran, long t0, List<Caption> captions) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("read", round(readMs));
        t.put("queue", round(ran.queueMs));
        t.put("caption", round(ran.runMs));
        if (!captions.isEmpty() && !Double.isNaN(captions.get(0).encodeMillis())) {
            t.put("encode", round(captions.get(0).encodeMillis()));
            t.put("words", round(captions.get(0).wordsMillis()));
        }
        t.put("total", round((System.nanoTime() - t0) / 1e6));
        return t;
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
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
