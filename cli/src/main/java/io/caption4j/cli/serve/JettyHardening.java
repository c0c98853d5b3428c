package io.caption4j.cli.serve;

import java.util.concurrent.TimeUnit;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty settings that keep the server responsive under slow, idle or malformed clients: a small thread pool (bodies are
 * read asynchronously by {@link UploadReader}, captions run on the workers, so a request thread only does short work),
 * an idle timeout, a connection limit (beyond it connections wait in the operating system's accept queue), one
 * loopback-or-explicit connector, Jetty's own errors as JSON ({@link JsonErrorHandler}), and a stop that waits for
 * running captions.
 */
final class JettyHardening {
    private JettyHardening() {
    }

    /** Configures Javalin's Jetty: thread pool, timeouts, the connector on host:port, the connection limit. */
    static void apply(JavalinConfig config, String host, int port, CaptionServer.Limits limits, QueuedThreadPool threads) {
        config.jetty.threadPool = threads;
        config.jetty.timeoutStatus = 408;
        config.jetty.clientAbortStatus = 400;
        config.jetty.addConnector((server, http) -> {
            ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http));
            c.setHost(host);
            c.setPort(port);
            c.setIdleTimeout(TimeUnit.SECONDS.toMillis(limits.idleTimeoutSeconds));
            c.setAcceptQueueSize(1024);
            return c;
        });
        config.jetty.modifyServer(server -> {
            server.setStopTimeout(TimeUnit.SECONDS.toMillis(limits.requestTimeoutSeconds + 5));
            server.addBean(new ConnectionLimit(limits.maxConnections, server));
            server.setErrorHandler(new JsonErrorHandler());
        });
    }
}
