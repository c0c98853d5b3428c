package io.caption4j.cli.serve;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A slow-body flood on the loopback: 300 connections send their headers and 100 body bytes, then one byte every
 * 2 s (more connections than the old 250-thread pool). Health and caption requests must still answer within 5 s,
 * and the server must cut the trickling connections itself (minimum data rate), not wait for them.
 */
class SlowClientsTest {
    static final int SLOW = 300;
    static CaptionServer server;
    static int port;

    @BeforeAll
    static void start() {
        server = new CaptionServer(CaptionServerTest.model(0), new CaptionServer.Limits());
        port = server.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void staysResponsiveUnderHundredsOfSlowBodiesAndCutsThem() throws Exception {
        List<Socket> slow = new ArrayList<>();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            String boundary = "----slow";
            for (int i = 0; i < SLOW; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.getOutputStream().write(("POST /v1/captions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
                        + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n\r\n--" + boundary
                        + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n\r\n"
                        + "x".repeat(20)).getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            byte[] image = CaptionServerTest.png(16);
            long end = System.nanoTime() + Duration.ofSeconds(12).toNanos();
            int probes = 0;
            while (System.nanoTime() < end) {
                for (Socket s : slow) {
                    try {
                        s.getOutputStream().write('x');
                    } catch (IOException closedByServer) {
                        // expected once the server cut it
                    }
                }
                long t0 = System.nanoTime();
                HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, h.statusCode());
                HttpResponse<String> c = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/v1/captions")).timeout(Duration.ofSeconds(5)).header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, c.statusCode(), c.body());
                assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
                probes++;
                Thread.sleep(2000);
            }
            assertTrue(probes >= 3, probes + " probes");
            int cut = 0;
            for (Socket s : slow) {
                cut += closedOrAnswered(s) ? 1 : 0;
            }
            assertTrue(cut >= SLOW * 9 / 10, cut + " of " + SLOW + " trickling connections were cut by the server");
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    /** True when the server answered (a 408) or closed the connection. */
    static boolean closedOrAnswered(Socket s) throws IOException {
        s.setSoTimeout(20);
        try {
            InputStream in = s.getInputStream();
            in.read();                          // -1 (closed) or the first byte of a 408: either way, cut
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
