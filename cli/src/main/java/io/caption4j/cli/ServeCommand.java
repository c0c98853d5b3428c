package io.caption4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.caption4j.cli.serve.ApiKeyAuth;
import io.caption4j.cli.serve.CaptionServer;
import io.caption4j.cli.serve.ModelInfo;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import io.caption4j.core.PretrainedModels;
import io.caption4j.core.internal.Sha256;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Serves a model over HTTP until interrupted (Ctrl-C stops it gracefully). */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"HTTP captioning service. POST /v1/captions with the image bytes (or a multipart upload, field image),",
                "optional ?beam=K&max_length=N; GET /health, /health/live, /health/ready, /v1/models, /metrics, /openapi.json.",
                "Also ?strategy=greedy|beam|sample&temperature=T&top_k=K&seed=S, attention=true (per-word maps),",
                "several files in one multipart request (one batch); the web page at GET /. Listens on the loopback unless",
                "--host says otherwise; with --api-key-file or $" + ApiKeyAuth.ENV + " every request but the health probes,",
                "/openapi.json and the page's files needs a key."})
final class ServeCommand implements Callable<Integer> {
    private static final CaptionServer.Limits DEFAULTS = new CaptionServer.Limits();

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface).")
    String host;
    @Option(names = "--api-key-file", paramLabel = "FILE",
            description = "Require one of the keys in FILE (one per line) as 'Authorization: Bearer KEY' or 'X-API-Key: KEY' "
            + "(default: the environment variable " + ApiKeyAuth.ENV + " if set, else no key).")
    Path apiKeyFile;
    @Option(names = "--model", description = "A model file or a training checkpoint (default: the built-in Flickr8k model).")
    Path model;
    @Option(names = "--max-upload-mb",
            description = "Largest accepted upload in MiB; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    int maxUploadMb = (int) (DEFAULTS.maxUploadBytes >> 20);
    @Option(names = "--workers", description = "Captions computed at once (default: half the cores, at least 1).")
    Integer workers;
    @Option(names = "--queue", description = "Requests that may wait for a worker; more get 503 (default: ${DEFAULT-VALUE}).")
    int queue = DEFAULTS.queue;
    @Option(names = "--max-connections", description = "Open connections at most (default: ${DEFAULT-VALUE}).")
    int maxConnections = DEFAULTS.maxConnections;
    @Option(names = "--min-upload-rate", paramLabel = "BYTES_PER_S",
            description = "Uploads slower than this on average after their first 10 s get 408 "
                    + "(default: ${DEFAULT-VALUE}).")
    long minUploadRate = DEFAULTS.minUploadBytesPerSecond;
    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "A caption not done this long after admission gets 504 (default: ${DEFAULT-VALUE}).")
    long timeout = DEFAULTS.requestTimeoutSeconds;

    /** The model's name and the SHA-256 of its file (or of the built-in model's bytes) for /v1/models. */
    private ModelInfo modelInfo() {
        try {
            if (model != null) {
                return new ModelInfo(model.getFileName().toString(), Files.isRegularFile(model) ? Sha256.hex(model) : null);
            }
            for (PretrainedModels p : ServiceLoader.load(PretrainedModels.class)) {
                return new ModelInfo(p.defaultModelName(), Sha256.hex(p.defaultModelBytes()));
            }
        } catch (IOException e) {
            throw new CaptionException(model + ": cannot read the model file (" + e.getMessage() + ")", e);
        }
        return new ModelInfo("model", null);
    }

    @Override
    public Integer call() throws InterruptedException {
        if (maxUploadMb < 1 || queue < 0 || (workers != null && workers < 1) || maxConnections < 1 || timeout < 1
                || minUploadRate < 0) {
            throw new IllegalArgumentException("--max-upload-mb, --workers, --max-connections and --timeout must be >= 1,"
                    + " --queue and --min-upload-rate >= 0");
        }
        String envKey = System.getenv(ApiKeyAuth.ENV);
        ApiKeyAuth auth = apiKeyFile != null ? ApiKeyAuth.fromFile(apiKeyFile)
                : envKey != null && !envKey.isBlank() ? new ApiKeyAuth(envKey) : null;
        if (auth != null && auth.shortestKey() < ApiKeyAuth.RECOMMENDED_LENGTH) {
            System.err.println("caption4j: warning: an API key of " + auth.shortestKey() + " characters is easy to guess; use "
                    + ApiKeyAuth.RECOMMENDED_LENGTH + " or more (openssl rand -hex 32)");
        }
        CaptionServer.Limits limits = new CaptionServer.Limits();
        limits.maxUploadBytes = (long) maxUploadMb << 20;
        if (workers != null) {
            limits.workers = workers;
        }
        limits.queue = queue;
        limits.maxConnections = maxConnections;
        limits.minUploadBytesPerSecond = minUploadRate;
        limits.requestTimeoutSeconds = timeout;
        if (model == null) {
            EncoderOptions.fetchWeights();   // with a bar, before the default model asks for them
        }
        CaptionModel m = model == null ? CaptionModel.pretrained() : ModelFiles.open(model);
        CaptionServer server = new CaptionServer(m, limits).optApiKey(auth).optModelInfo(modelInfo());
        int p = server.start(host, port);
        boolean local = host.equals("127.0.0.1") || host.equals("localhost");
        System.err.println("caption4j serving on http://" + host + ":" + p + "/v1/captions"
                + (auth != null ? " (API key required)" : "") + (local ? " to this machine only (--host 0.0.0.0 for others)" : "")
                + " (Ctrl-C to stop)");
        String omp = System.getenv("OMP_NUM_THREADS");
        int cores = Runtime.getRuntime().availableProcessors();
        System.err.println(limits.workers + " workers, " + (omp != null ? omp + " OpenMP threads per caption (OMP_NUM_THREADS)"
                : "OMP_NUM_THREADS unset (ND4J's default); max(1, cores / workers) = " + Math.max(1, cores / limits.workers)
                + " is recommended (the caption4j launcher sets it)"));
        System.err.println("the web page: http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + p + "/");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("Stopping: finishing running requests");
            server.close();
            m.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
