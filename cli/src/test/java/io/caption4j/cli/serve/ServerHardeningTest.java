package io.caption4j.cli.serve;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.zip.Deflater;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 12's findings against a loopback server: a slow-body flood (every slow upload answered 408), a burst of images
 * that decode large, running out of memory, the timeout path (504, the worker's place held until its work ends), API
 * keys and the open paths, and the JSON shape of every error (Jetty's own 400 and 431 included). Every loop is bounded
 * in connections and time.
 */
class ServerHardeningTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final List<Socket> sockets = new ArrayList<>();
    CaptionServer server;
    int port;
    String base;

    /** A toy encoder that can be made to wait on a gate, or to run out of memory. */
    static final class ControlledEncoder implements ImageEncoder {
        volatile CountDownLatch gate;
        volatile boolean outOfMemory;

        @Override
        public EncodedImage encode(BufferedImage image) {
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (outOfMemory) {
                throw new OutOfMemoryError("Java heap space");
            }
            return CaptionServerTest.corners(image);
        }

        @Override
        public String id() {
            return "controlled";
        }
    }

    final ControlledEncoder encoder = new ControlledEncoder();

    public CaptionModel model() {
        Vocabulary v = Vocabulary.of(List.of("<pad>", "<start>", "<end>", "<unk>", "a", "dog", "runs"));
        return CaptionModel.builder().setEncoder(encoder).setVocabulary(v)
                .setDecoder(CaptionNetwork.builder().featureSize(3).pooledSize(3).projectionSize(4).embeddingSize(4)
                        .hiddenSize(4).attentionSize(4).outputHiddenSize(4).seed(1))
                .optBeamSize(1).optMaxLength(5).build();
    }

    void start(CaptionServer.Limits limits, ApiKeyAuth auth) throws Exception {
        server = new CaptionServer(model(), limits).optApiKey(auth);
        port = server.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + port;
        for (int i = 0; i < 100 && !server.ready(); i++) {
            Thread.sleep(50);
        }
        assertTrue(server.ready(), "warmed up");
    }

    static CaptionServer.Limits limits(int workers, int queue) {
        CaptionServer.Limits l = new CaptionServer.Limits();
        l.workers = workers;
        l.queue = queue;
        l.maxUploadBytes = 2 << 20;
        return l;
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        encoder.gate = null;
        if (server != null) {
            server.close();
        }
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder post(String query, byte[] body) {
        return HttpRequest.newBuilder(URI.create(base + "/v1/captions" + query)).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path));
    }

    /** Asserts the service's error shape: JSON {error, status} with the given status, the message containing what. */
    static JsonNode assertError(HttpResponse<String> r, int status, String what) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        JsonNode j = JSON.readTree(r.body());
        assertEquals(status, j.get("status").asInt(), r.body());
        assertTrue(j.get("error").asText().contains(what), r.body());
        assertFalse(r.body().contains("Exception") || r.body().contains("java."), "no internals: " + r.body());
        return j;
    }

    static byte[] png(int size) throws Exception {
        return CaptionServerTest.png(size);
    }

    @Test
    void threeHundredSlowBodiesDoNotLockTheServerOut() throws Exception {
        CaptionServer.Limits l = limits(1, 4);
        l.minUploadBytesPerSecond = 1000;
        l.uploadGraceSeconds = 2;
        start(l, null);
        byte[] head = ("POST /v1/captions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                + "Content-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        long t0 = System.nanoTime();
        for (int i = 0; i < 300; i++) {              // headers and 100 body bytes each, then (almost) nothing
            Socket s = new Socket("127.0.0.1", port);
            sockets.add(s);
            OutputStream out = s.getOutputStream();
            out.write(head);
            out.write(new byte[100]);
            out.flush();
        }
        long healthStart = System.nanoTime();
        HttpResponse<String> health = http.send(get("/health").timeout(Duration.ofSeconds(3)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        HttpResponse<String> caption = http.send(post("", png(16)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, caption.statusCode(), caption.body());
        double responsive = (System.nanoTime() - healthStart) / 1e9;
        assertTrue(responsive < 5, "health and a caption took " + responsive + " s under 300 slow uploads");
        int cut = 0;
        for (Socket s : sockets) {                     // one more byte each: they are cut off with 408 all the same
            s.getOutputStream().write(1);
        }
        for (Socket s : sockets) {
            s.setSoTimeout(10_000);
            String answer = readAll(s.getInputStream());
            if (answer.startsWith("HTTP/1.1 408") && answer.contains("\"status\":408") && answer.contains("too slow")) {
                cut++;
            }
        }
        double total = (System.nanoTime() - t0) / 1e9;
        assertEquals(300, cut, "every slow upload answered 408");
        assertTrue(total < 20, "cut off within " + total + " s");
        assertEquals(200, send(get("/health")).statusCode());
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                b.write(buf, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // what arrived is the answer
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aBurstOfImagesThatDecodeLargeIsAdmittedBeforeDecodingAndNeverCalledBad() throws Exception {
        start(limits(1, 1), null);
        byte[] bomb = zeroPng(10000, 10000);            // 16-bit RGBA: 800 MB decoded at full size
        assertTrue(bomb.length < 1 << 20, bomb.length + " bytes");
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(http.sendAsync(post("", bomb).timeout(Duration.ofSeconds(120)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0, busy = 0;
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            HttpResponse<String> r = c.get();
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertError(r, 503, "busy");
                assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                busy++;
            }
        }
        assertTrue(ok >= 1 && ok <= 2 && busy >= 6, ok + " captioned, " + busy + " refused before decoding");
        HttpResponse<String> h = send(get("/health"));
        assertEquals(0, JSON.readTree(h.body()).get("busy").asInt(), h.body());
    }

    /** A PNG of w x h black, transparent 16-bit RGBA pixels: tiny compressed, w*h*8 bytes decoded. */
    static byte[] zeroPng(int w, int h) throws IOException {
        long raw = (long) h * (1 + 8L * w);
        byte[] mib = new byte[1 << 20];
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        z.write(0x78);                                // zlib header, then one compressed MiB of zeros repeated
        z.write(0x9C);
        byte[] body = deflateZeros(mib.length, mib);
        for (long i = 0; i < raw >> 20; i++) {
            z.write(body);
        }
        z.write(deflateZeros((int) (raw & ((1 << 20) - 1)), mib));
        z.write(new byte[]{0x03, 0x00});            // final empty block
        long adler = ((raw % 65521) << 16) | 1;       // Adler-32 of zeros: a = 1, b = length mod 65521
        z.write(new byte[]{(byte) (adler >>> 24), (byte) (adler >>> 16), (byte) (adler >>> 8), (byte) adler});
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(png);
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream i = new DataOutputStream(ihdr);
        i.writeInt(w);
        i.writeInt(h);
        i.write(new byte[]{16, 6, 0, 0, 0});
        DecodeBombTest.chunk(out, "IHDR", ihdr.toByteArray());
        DecodeBombTest.chunk(out, "IDAT", z.toByteArray());
        DecodeBombTest.chunk(out, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static byte[] deflateZeros(int n, byte[] zeros) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(zeros, 0, n);
        byte[] buf = new byte[1 << 16];
        int len = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
        d.end();
        return java.util.Arrays.copyOf(buf, len);
    }

    @Test
    void outOfMemoryIs503AndTheServerStaysHealthy() throws Exception {
        start(limits(1, 1), null);
        encoder.outOfMemory = true;
        assertError(send(post("", png(16))), 503, "out of memory");
        encoder.outOfMemory = false;
        assertEquals(200, send(post("", png(16))).statusCode());
        assertEquals(200, send(get("/health/ready")).statusCode());
    }

    @Test
    void aTimeoutIs504AndKeepsTheWorkerCountedUntilItsWorkEnds() throws Exception {
        CaptionServer.Limits l = limits(1, 0);
        l.requestTimeoutSeconds = 1;
        start(l, null);
        CountDownLatch gate = new CountDownLatch(1);
        encoder.gate = gate;
        long t0 = System.nanoTime();
        assertError(send(post("", png(16))), 504, "longer than 1 s");
        assertTrue((System.nanoTime() - t0) / 1e9 < 10);
        assertError(send(post("", png(16))), 503, "busy");    // the worker still computes: the bound holds
        assertEquals(1, JSON.readTree(send(get("/health")).body()).get("busy").asInt());
        encoder.gate = null;
        gate.countDown();
        for (int i = 0; i < 100 && JSON.readTree(send(get("/health")).body()).get("busy").asInt() > 0; i++) {
            Thread.sleep(50);
        }
        assertEquals(200, send(post("", png(16))).statusCode());
    }

    @Test
    void apiKeysAreRequiredExceptOnTheProbes() throws Exception {
        String key = "k3y-0123456789abcdef";
        start(limits(1, 2), ApiKeyAuth.of(key));
        HttpResponse<String> r = send(post("", png(16)));
        assertError(r, 401, "needs an API key");
        assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(null));
        assertError(send(post("", png(16)).header("Authorization", "Bearer wrong-key-0123456789")), 401, "not valid");
        assertEquals(200, send(post("", png(16)).header("Authorization", "Bearer " + key)).statusCode());
        assertEquals(200, send(post("", png(16)).header("X-API-Key", key)).statusCode());
        for (String open : new String[]{"/health", "/health/live", "/health/ready", "/openapi.json", "/", "/page/page.js"}) {
            assertEquals(200, send(get(open)).statusCode(), open);
        }
        for (String closed : new String[]{"/metrics", "/v1/models"}) {
            assertError(send(get(closed)), 401, "needs an API key");
            assertEquals(200, send(get(closed).header("X-API-Key", key)).statusCode(), closed);
        }
        // refused before the body is read: a declared 1 GB upload gets its 401 at its first bytes (Jetty dispatches a
        // request once its body starts; until then it holds no thread)
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("POST /v1/captions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nabc")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
        }
        assertThrows(io.caption4j.core.CaptionException.class, () -> ApiKeyAuth.of(" "));
    }

    @Test
    void everyErrorHasTheJsonShapeAndAClientMessage() throws Exception {
        start(limits(1, 2), null);
        assertError(send(get("/nothing")), 404, "no such endpoint");
        try (Socket s = new Socket("127.0.0.1", port)) {      // an escape the JDK's client will not send
            s.setSoTimeout(5000);
            s.getOutputStream().write(("POST /v1/captions?beam=%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                    + "Connection: close\r\n\r\nabc").getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 400") && answer.contains("\"status\":400"), answer);
        }
        assertError(send(post("?beam=abc", png(16))), 400, "beam must be an integer");
        assertError(send(post("?beam=11", png(16))), 400, "between 1 and 10");
        assertError(send(post("", new byte[0])), 400, "empty body");
        assertError(send(post("", "not an image at all".getBytes())), 400, "not an image");
        BufferedImage noise = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(1);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                noise.setRGB(x, y, random.nextInt());
            }
        }
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(noise, "png", whole);
        byte[] truncated = java.util.Arrays.copyOf(whole.toByteArray(), whole.size() / 2);
        JsonNode cut = assertError(send(post("", truncated)), 400, "truncated or corrupt");
        assertFalse(cut.get("error").asText().contains("("), "the image reader's own words stay in the log: " + cut);
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "tiff", tiff);
        assertError(send(post("", tiff.toByteArray())), 400, "TIFF");
        assertError(send(post("", new byte[3 << 20])), 413, "over the limit");
        String boundary = "----b";
        byte[] wrongField = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"x.png\"\r\n"
                + "Content-Type: image/png\r\n\r\nabc\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        assertError(send(HttpRequest.newBuilder(URI.create(base + "/v1/captions"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(wrongField))), 400,
                "no file in the field 'image' (files came in [photo])");
        // Jetty's own errors: headers too large, a URI too long, a malformed header; JSON, never Jetty's HTML page
        String[][] jetty = {
            {"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", "431"},
            {"GET /health?" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414"},
            {"POST /v1/captions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "400"}};
        for (String[] bad : jetty) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(bad[0].getBytes(StandardCharsets.US_ASCII));
                String answer = readAll(s.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 " + bad[1]) && answer.contains("\"status\":" + bad[1])
                        && answer.contains("application/json") && !answer.contains("<html"), answer);
            }
        }
        // a stalled upload: 408 with the message for the client, not Jetty's TimeoutException
        CaptionServer.Limits l = limits(1, 2);
        server.close();
        l.minUploadBytesPerSecond = 1000;
        l.uploadGraceSeconds = 1;
        start(l, null);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /v1/captions HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\nabc")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 408") && answer.contains("\"status\":408"), answer);
            assertFalse(answer.contains("Exception"), answer);
        }
    }
}
