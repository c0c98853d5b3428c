package io.caption4j.cli.serve;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty settings that keep the server responsive under slow or idle clients: a minimum request data rate (a body
 * trickled in is cut with 408 instead of holding a thread), a short idle timeout, a connection limit below the
 * thread pool's size (so connections blocked in reads can never take every thread), and one loopback-or-explicit
 * connector carrying them.
 */
final class JettyHardening {
    private JettyHardening() {
    }

    /** Configures Javalin's Jetty: thread pool, HTTP configuration and the connector on host:port. */
    static void apply(JavalinConfig config, String host, int port, CaptionServer.Limits limits) {
        QueuedThreadPool threads = new QueuedThreadPool(limits.maxConnections + 64, 8, 60_000);
        threads.setName("caption4j-http");
        config.jetty.threadPool = threads;
        config.jetty.modifyHttpConfiguration(http -> {
            http.setMinRequestDataRate(limits.minRequestBytesPerSecond);   // average over the body, after the headers
            http.setIdleTimeout(limits.idleTimeoutMillis);                 // a blocking read waits at most this long
        });
        config.jetty.addConnector((server, http) -> {
            ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http));
            c.setHost(host);
            c.setPort(port);
            c.setIdleTimeout(limits.idleTimeoutMillis);
            server.addBean(new ConnectionLimit(limits.maxConnections, c));
            return c;
        });
    }
}
