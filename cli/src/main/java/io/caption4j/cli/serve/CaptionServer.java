package io.caption4j.cli.serve;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.core.image.ImageMemoryException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JsonMapper;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The captioning HTTP service: {@code POST /v1/captions} (raw image bytes, or a multipart upload with the image in the
 * field {@code image}; the decoding and flags of {@link RequestParams} as query or form parameters) answers
 * {@code {caption, tokens, logprob, ms, options, timings_ms}}, with {@code attention} when asked ({@link CaptionJson});
 * several files in one multipart request are one batch ({@link CaptionBatch}); {@code GET /health},
 * {@code /health/live}, {@code /health/ready} (after a warm-up caption), {@code /v1/models}, {@code /metrics},
 * {@code /openapi.json}, and the web page at {@code GET /} ({@link WebPage}).
 * Bodies are read without holding a thread ({@link UploadReader}); a request is admitted to the workers before its
 * images are decoded ({@link Admission}: at most {@code workers} run and {@code queue} wait, the rest get 503), and
 * they are decoded on the worker, bounded in pixels; a caption over the timeout is answered 504 while its worker keeps
 * its place; every error is {@code {"error", "status"}} JSON. {@link #close()} stops accepting, lets running requests
 * finish, then stops.
 */
public final class CaptionServer implements AutoCloseable {
    /** Server limits: settings, so public fields whose initial values are the defaults (the command line's too). */
    public static final class Limits {
        public long maxUploadBytes = 20L << 20;
        public int workers = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        public int queue = 16;
        public int maxBeam = 10;
        public int maxLength = 100;
        /** A caption not done this long after admission is answered 504 (its worker finishes it all the same). */
        public long requestTimeoutSeconds = 120;
        /** Images in one multipart request, captioned as one batch. */
        public int maxBatch = 16;
        /** After the grace period a body must have arrived at this average rate, else 408 and the connection closed. */
        public long minUploadBytesPerSecond = 8 * 1024;
        public long uploadGraceSeconds = 10;
        /** Bytes of request bodies held at once across all requests; beyond, 503. */
        public long maxBufferedUploadBytes = 256L << 20;
        /** A connection with no traffic this long is closed (keep-alive, or a stalled request). */
        public long idleTimeoutSeconds = 15;
        /** Open connections at most; beyond, new ones wait in the operating system's accept queue. */
        public int maxConnections = 2000;
        /** Jetty's request threads (short work only: bodies are read asynchronously, captions run on the workers). */
        public int httpThreads = 64;
        /** Images whose header claims more pixels are refused (400). */
        public long maxImagePixels = Long.getLong(ImageLoader.MAX_PIXELS_PROPERTY, ImageLoader.DEFAULT_MAX_PIXELS);
        /** Images with more pixels are decoded subsampled to at most this many (the model reads 299x299 anyway). */
        public long maxDecodedPixels = 4_000_000;
    }

    private static final Logger LOG = LoggerFactory.getLogger(CaptionServer.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("io.caption4j.cli.serve.access");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CaptionModel model;
    private final Limits limits;
    private final ImageLoader loader;
    private final ExecutorService workers;
    private final Admission admission;
    private final AtomicInteger served = new AtomicInteger();
    private final UploadReader uploads;
    private final QueuedThreadPool httpThreads;
    private final ServerMetrics metrics;
    private final List<String> routes = new ArrayList<>();
    private volatile boolean ready;
    private volatile boolean closing;
    private ApiKeyAuth auth;
    private ModelInfo info = new ModelInfo("model", null);
    private Javalin app;

    public CaptionServer(CaptionModel model, Limits limits) {
        if (limits.workers < 1 || limits.queue < 0 || limits.maxUploadBytes < 1 || limits.httpThreads < 8
                || limits.maxConnections < 1 || limits.requestTimeoutSeconds < 1 || limits.maxBatch < 1) {
            throw new IllegalArgumentException("workers must be >= 1, queue >= 0, the upload limit >= 1 byte, httpThreads >= 8,"
                    + " maxConnections >= 1, the request timeout >= 1 s and maxBatch >= 1");
        }
        this.model = model;
        this.limits = limits;
        this.loader = new ImageLoader(limits.maxImagePixels, limits.maxDecodedPixels, limits.maxUploadBytes);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(limits.workers, r -> {
            Thread t = new Thread(r, "caption4j-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.admission = new Admission(limits.workers, limits.queue);
        this.httpThreads = new QueuedThreadPool(limits.httpThreads, Math.min(8, limits.httpThreads), 60_000);
        httpThreads.setName("caption4j-http");
        this.uploads = new UploadReader(limits.minUploadBytesPerSecond, limits.uploadGraceSeconds,
                limits.maxBufferedUploadBytes, Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "caption4j-upload-clock");
                    t.setDaemon(true);
                    return t;
                }), httpThreads);
        this.metrics = new ServerMetrics(admission, uploads::buffered);
    }

    /** Requires an API key on every route but the health probes, the API description and the page (call before start). */
    public CaptionServer optApiKey(ApiKeyAuth apiKey) {
        this.auth = apiKey;
        return this;
    }

    /** What {@code /v1/models} reports (call before {@link #start}). */
    public CaptionServer optModelInfo(ModelInfo modelInfo) {
        this.info = modelInfo;
        return this;
    }

    /** The routes this server answers, as "METHOD /path" (the OpenAPI document lists each). */
    public List<String> routes() {
        return List.copyOf(routes);
    }

    /** True once the model has captioned its warm-up image. */
    public boolean ready() {
        return ready;
    }

    /** Starts listening on host:port (port 0: any free port) and warms the model up on a worker; returns the port. */
    public int start(String host, int port) {
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            JettyHardening.apply(config, host, port, limits, httpThreads);
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
            config.http.maxRequestSize = limits.maxUploadBytes + MultipartUpload.OVERHEAD;
            config.requestLogger.http(this::logRequest);
        });
        if (auth != null) {
            app.before(ctx -> {
                HttpError e = auth.check(ctx.path(), ctx.header("Authorization"), ctx.header("X-API-Key"));
                if (e != null) {
                    throw e;
                }
            });
        }
        get("/health", ctx -> ctx.json(Map.of("status", "ok", "ready", ready, "served", served.get(),
                "busy", admission.admitted())));
        get("/health/live", ctx -> ctx.json(Map.of("status", "ok")));
        get("/health/ready", ctx -> {
            if (ready && !closing) {
                ctx.json(Map.of("status", "ready"));
            } else {
                ctx.header("Retry-After", "1");
                error(ctx, 503, closing ? "not ready: the server is stopping" : "not ready: the model is warming up");
            }
        });
        get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        get("/v1/models", ctx -> ctx.json(Map.of("models", List.of(info.describe(model, limits)))));
        get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi()));
        routes.add("POST /v1/captions");
        app.post("/v1/captions", this::captions);
        new WebPage().register(this::get);
        app.exception(HttpError.class, (e, ctx) -> {
            metrics.refused(e.reason());
            e.headers.forEach(ctx::header);
            error(ctx, e.status, e.getMessage());
        });
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getStatus() == 404
                ? "no such endpoint: " + ctx.method() + " " + ctx.path() : e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.warn("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error (see the server log)");
        });
        app.start();
        warmUp();
        return app.port();
    }

    private void get(String path, Handler handler) {
        routes.add("GET " + path);
        app.get(path, handler);
    }

    /** One line per request through SLF4J (logger io.caption4j.cli.serve.access), and the request metrics. */
    private void logRequest(Context ctx, Float ms) {
        String route;
        try {
            route = ctx.endpointHandlerPath();                // the route's pattern, so labels stay few
        } catch (RuntimeException e) {
            route = "";                                      // refused before a route matched (401), or none (404)
        }
        route = route.startsWith("/") ? route : "unmatched";
        long out = -1, in = ctx.req().getContentLengthLong();
        org.eclipse.jetty.server.Request base = org.eclipse.jetty.server.Request.getBaseRequest(ctx.req());
        if (base != null) {
            out = base.getResponse().getHttpOutput().getWritten();     // the body, buffered or already sent
        }
        ACCESS.info("method={} path={} status={} ms={} bytes_in={} bytes_out={} remote={}", ctx.method(), ctx.path(),
                ctx.statusCode(), Math.round(ms), Math.max(in, 0), out, ctx.req().getRemoteAddr());
        metrics.request(ctx.method().name(), route, ctx.statusCode(), ms);
    }

    /** The hand-written OpenAPI 3 description (a resource beside this class). */
    static String openApi() throws IOException {
        try (InputStream in = CaptionServer.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A request's decoding and its flags. */
    private record Options(DecodeOptions decode, boolean attention, boolean batch) {
    }

    private Options options(RequestParams p) {
        try {
            return new Options(p.decodeOptions(model.defaultOptions(), limits.maxBeam, limits.maxLength), p.flag("attention"),
                    p.flag("batch"));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    private void captions(Context ctx) {
        long t0 = System.nanoTime();
        boolean multipart = isMultipart(ctx);
        long max = limits.maxUploadBytes + (multipart ? MultipartUpload.OVERHEAD : 0);
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {                                // refused before a byte of the body is read
            throw new HttpError(413, "upload of " + declared + " bytes is over the limit of " + limits.maxUploadBytes + " bytes",
                    Map.of("Connection", "close"));
        }
        options(new RequestParams(ctx::queryParam));        // a bad query parameter is a 400 before the upload
        ctx.future(() -> {
            UploadReader.Upload upload;
            try {
                upload = uploads.read(ctx.req(), max);
            } catch (IOException e) {
                throw new HttpError(400, "cannot read the upload");
            }
            return upload.body.thenCompose(body -> caption(ctx, body, multipart, t0)).whenComplete((r, e) -> upload.close());
        });
    }

    /** With the body read: the files and parameters, then admission and the work on a worker; completes once answered. */
    private CompletableFuture<Void> caption(Context ctx, byte[] body, boolean multipart, long t0) {
        List<MultipartUpload.FilePart> files;
        Options o;
        if (multipart) {
            MultipartUpload form = MultipartUpload.parse(body, ctx.contentType(), limits.maxUploadBytes);
            files = form.files("image");
            o = options(new RequestParams(p -> ctx.queryParam(p) != null ? ctx.queryParam(p) : form.fields.get(p)));
        } else {
            files = List.of(new MultipartUpload.FilePart("image", "upload", body));
            o = options(new RequestParams(ctx::queryParam));
        }
        if (multipart && (files.size() > 1 || o.batch)) {
            if (files.size() > limits.maxBatch) {
                throw new HttpError(400, files.size() + " images in one request; at most " + limits.maxBatch);
            }
            return onWorker(ctx, files.size() + " images", queueMs -> batch(files, o, queueMs, t0));
        }
        MultipartUpload.FilePart f = files.get(0);
        if (f.bytes.length == 0) {
            throw new HttpError(400, "empty body: send the image bytes, or a multipart upload with the field 'image'");
        }
        String name = f.filename == null || f.filename.isBlank() ? "upload" : f.filename;
        return onWorker(ctx, name, queueMs -> single(f.bytes, name, o, queueMs, t0));
    }

    /** Work for a worker: the answer's body, given the time (ms) the request waited for the worker. */
    private interface Job {
        Map<String, Object> run(double queueMs);
    }

    /**
     * Admits the request (or answers 503) and runs the job on a worker; the future completes once the answer is set:
     * the job's, its error's, or 504 when it is not done within the request timeout (the worker finishes it all the
     * same and keeps its place in the admission bound until then).
     */
    private CompletableFuture<Void> onWorker(Context ctx, String name, Job job) {
        Admission.Ticket ticket = admission.admit("busy: " + limits.workers + " captions running and " + limits.queue
                + " waiting; try again");
        long admitted = System.nanoTime();
        CompletableFuture<Map<String, Object>> result = new CompletableFuture<>();
        try {
            workers.execute(() -> work(ticket, result, name, job, admitted));
        } catch (RejectedExecutionException e) {
            ticket.release();
            throw HttpError.busy("the server is stopping; try again");
        }
        return result.orTimeout(limits.requestTimeoutSeconds, TimeUnit.SECONDS).handle((answer, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                if (cause instanceof TimeoutException) {
                    throw new HttpError(504, "the caption took longer than " + limits.requestTimeoutSeconds
                            + " s; its worker finishes it, and the queue stays bounded meanwhile");
                }
                throw cause instanceof HttpError ? (HttpError) cause : new HttpError(500, "internal error (see the server log)");
            }
            ctx.json(answer);
            return null;
        });
    }

    /**
     * On a worker: the job (decoding, captioning), then the answer. The ticket is given back when the work ends, before
     * the answer goes out, so a client that reads its answer sees the worker free; a request that timed out while it
     * waited is not run.
     */
    private void work(Admission.Ticket ticket, CompletableFuture<Map<String, Object>> result, String name, Job job,
            long admitted) {
        ticket.start();
        Map<String, Object> answer = null;
        HttpError error = null;
        try {
            if (result.isDone()) {
                return;
            }
            answer = job.run((System.nanoTime() - admitted) / 1e6);
        } catch (HttpError e) {
            error = e;
        } catch (ImageMemoryException | OutOfMemoryError e) {
            LOG.warn("out of memory while captioning {} ({} admitted)", name, admission.admitted());
            error = HttpError.busy("the server ran out of memory for this image now; try again later");
        } catch (CaptionException e) {
            LOG.warn("captioning {} failed: {}", name, e.getMessage());
            error = new HttpError(500, "captioning failed: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("captioning {} failed", name, e);
            error = new HttpError(500, "internal error (see the server log)");
        } finally {
            ticket.release();
            if (error != null) {
                result.completeExceptionally(error);
            } else if (answer != null) {
                result.complete(answer);
            }
        }
    }

    /** One image: decode (bounded in pixels; undecodable is 400), caption, answer. */
    private Map<String, Object> single(byte[] bytes, String name, Options o, double queueMs, long t0) {
        long r0 = System.nanoTime();
        BufferedImage image;
        try {
            image = loader.read(bytes, name);
        } catch (ImageMemoryException e) {
            throw e;
        } catch (CaptionException e) {
            throw new HttpError(400, clientMessage(e));
        }
        long r1 = System.nanoTime();
        metrics.imageDecode.record(r1 - r0, TimeUnit.NANOSECONDS);
        Caption c = model.describe(image, o.decode);
        long r2 = System.nanoTime();
        recordCaption(r2 - r1, List.of(c));
        served.incrementAndGet();
        Map<String, Object> body = CaptionJson.of(c, o.attention, Math.round((r2 - r0) / 1e6));
        body.put("options", RequestParams.describe(o.decode));
        body.put("timings_ms", timings((r1 - r0) / 1e6, queueMs, (r2 - r1) / 1e6, t0, List.of(c)));
        return body;
    }

    /**
     * Several images (or {@code batch=true}): {@code {results: [...], options, timings_ms}}, one {@code describeAll}
     * for the images that could be read, a per-file {@code status} and {@code error} for the others; 200 unless the
     * request itself is refused (a bad parameter, too many files, busy).
     */
    private Map<String, Object> batch(List<MultipartUpload.FilePart> files, Options o, double queueMs, long t0) {
        CaptionBatch batch = new CaptionBatch(files, loader, ns -> metrics.imageDecode.record(ns, TimeUnit.NANOSECONDS));
        List<BufferedImage> images = batch.images();
        long r1 = System.nanoTime();
        List<Caption> captions = images.isEmpty() ? List.of() : model.describeAll(images, o.decode);
        long captionNanos = System.nanoTime() - r1;
        if (!captions.isEmpty()) {
            recordCaption(captionNanos, captions);
        }
        served.addAndGet(captions.size());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("results", batch.results(captions, o.attention, Math.round(batch.readMs() + captionNanos / 1e6)));
        body.put("options", RequestParams.describe(o.decode));
        body.put("timings_ms", timings(batch.readMs(), queueMs, captionNanos / 1e6, t0, captions));
        return body;
    }

    /** The caption metrics of one model call: its time, and its encoder and word-decoding parts. */
    private void recordCaption(long nanos, List<Caption> captions) {
        metrics.caption.record(nanos, TimeUnit.NANOSECONDS);
        Caption c = captions.get(0);
        if (!Double.isNaN(c.encodeMillis())) {
            metrics.encode.record(Math.round(c.encodeMillis() * 1e6), TimeUnit.NANOSECONDS);
            metrics.words.record(Math.round(c.wordsMillis() * 1e6), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * {@code read} (decoding the files), {@code queue} (waiting for a worker), {@code caption} (the model) with its parts
     * {@code encode} (InceptionV3) and {@code words} (the decoder's search), total.
     */
    private static Map<String, Object> timings(double readMs, double queueMs, double captionMs, long t0,
            List<Caption> captions) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("read", round(readMs));
        t.put("queue", round(queueMs));
        t.put("caption", round(captionMs));
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

    /** The loader's message without the image reader's own words in parentheses (those go to the debug log only). */
    static String clientMessage(CaptionException e) {
        String m = e.getMessage(), what = "truncated or corrupt";
        int i = m.indexOf(what + " (");
        if (i < 0) {
            return m;
        }
        LOG.debug("image refused: {}", m);
        return m.substring(0, i + what.length());
    }

    /** One caption of a blank image on a worker (holding a place), so the first client pays no first-call costs; then ready. */
    private void warmUp() {
        Admission.Ticket ticket = admission.admit("warming up");
        workers.execute(() -> {
            ticket.start();
            try {
                model.describe(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB));
                ready = true;                       // a model whose warm-up fails is never ready
            } catch (RuntimeException e) {
                LOG.error("the warm-up caption failed; the server stays not ready: {}", e.getMessage());
            } finally {
                ticket.release();
            }
        });
    }

    private static boolean isMultipart(Context ctx) {
        String type = ctx.contentType();
        return type != null && type.toLowerCase().startsWith("multipart/form-data");
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message, "status", status));
    }

    /** Stops taking requests, lets running ones finish (up to the request timeout), then stops. */
    @Override
    public void close() {
        closing = true;
        if (app != null) {
            try {
                app.stop();
            } catch (RuntimeException e) {
                LOG.warn("the server did not stop gracefully: {}", e.toString());
            }
        }
        workers.shutdown();
        try {
            workers.awaitTermination(limits.requestTimeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        uploads.close();
        metrics.close();
    }
}
