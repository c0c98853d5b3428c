package io.caption4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.caption4j.cli.serve.ApiKeyAuth;
import io.caption4j.cli.serve.CaptionServer;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Serves a model over HTTP until interrupted (Ctrl-C stops it gracefully). */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"HTTP captioning service. POST /v1/captions with the image bytes (or a multipart upload),",
                "optional ?beam=K&max_length=N; GET /health."})
final class ServeCommand implements Callable<Integer> {
    private static final CaptionServer.Limits DEFAULTS = new CaptionServer.Limits();

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface).")
    String host;
    @Option(names = "--api-key-file", description = "Require 'Authorization: Bearer <key>' with the key in this file "
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

    @Override
    public Integer call() throws InterruptedException {
        String envKey = System.getenv(ApiKeyAuth.ENV);
        ApiKeyAuth auth = apiKeyFile != null ? ApiKeyAuth.fromFile(apiKeyFile)
                : envKey != null && !envKey.isBlank() ? new ApiKeyAuth(envKey) : null;
        CaptionModel m = model == null ? CaptionModel.pretrained() : ModelFiles.open(model);
        CaptionServer.Limits limits = new CaptionServer.Limits();
        limits.maxUploadBytes = (long) maxUploadMb << 20;
        if (workers != null) {
            limits.workers = workers;
        }
        limits.queue = queue;
        CaptionServer server = new CaptionServer(m, limits).optApiKey(auth);
        int p = server.start(host, port);
        System.err.println("caption4j serving on http://" + host + ":" + p + "/v1/captions"
                + (auth != null ? " (API key required)" : "") + " (Ctrl-C to stop)");
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
