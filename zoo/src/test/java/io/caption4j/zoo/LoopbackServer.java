package io.caption4j.zoo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/** An HTTP server on 127.0.0.1 (a free port) for download tests: counts the requests; stalled answers end with it. */
final class LoopbackServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();
    /** Released on close: handlers that stall wait on it. */
    final CountDownLatch closing = new CountDownLatch(1);

    LoopbackServer(HttpHandler handler) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            try (exchange) {
                handler.handle(exchange);
            }
        });
        server.setExecutor(threads);
        server.start();
    }

    /** The server's base URL, with a trailing slash. */
    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    URI uri(String path) {
        return URI.create(base() + path);
    }

    int requests() {
        return requests.get();
    }

    /** Sends {@code body} as a 200 answer with its Content-Length. */
    static void send(HttpExchange exchange, byte[] body) throws IOException {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Announces {@code announced} bytes but sends {@code body}'s first {@code sent} only, then drops the connection. */
    static void sendPart(HttpExchange exchange, byte[] body, int sent, long announced) throws IOException {
        exchange.sendResponseHeaders(200, announced);
        OutputStream out = exchange.getResponseBody();
        out.write(body, 0, sent);
        out.flush();
    }

    @Override
    public void close() throws InterruptedException {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
        threads.awaitTermination(5, TimeUnit.SECONDS);
    }
}
