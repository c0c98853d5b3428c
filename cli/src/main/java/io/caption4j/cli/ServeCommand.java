package io.caption4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.caption4j.cli.serve.CaptionServer;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Serves a model over HTTP until interrupted (Ctrl-C stops it gracefully). */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"HTTP captioning service. POST /v1/captions with the image bytes (or a multipart upload),",
                "optional ?beam=K&max_length=N; GET /health.",
                "Also ?strategy=greedy|beam|sample&temperature=T&top_k=K&seed=S, attention=true (per-word maps),",
                "several files in one multipart request (one batch); the web page at GET /."})
final class ServeCommand implements Callable<Integer> {
    private static final CaptionServer.Limits DEFAULTS = new CaptionServer.Limits();

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;
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
        CaptionModel m = model == null ? CaptionModel.pretrained() : ModelFiles.open(model);
        CaptionServer.Limits limits = new CaptionServer.Limits();
        limits.maxUploadBytes = (long) maxUploadMb << 20;
        if (workers != null) {
            limits.workers = workers;
        }
        limits.queue = queue;
        CaptionServer server = new CaptionServer(m, limits);
        int p = server.start(host, port);
        System.err.println("caption4j serving on http://" + host + ":" + p + "/v1/captions (Ctrl-C to stop)");
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
