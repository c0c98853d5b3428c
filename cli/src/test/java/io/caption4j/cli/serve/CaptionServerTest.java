package io.caption4j.cli.serve;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.*;

/** Starts the server on a loopback port and talks to it with the JDK's HTTP client. */
public class CaptionServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();
    CaptionServer server;
    String base;

    /** Brightness of a 2x2 grid; optionally slow, to fill the worker pool. */
    static final class SlowEncoder implements ImageEncoder {
        final long sleepMs;

        SlowEncoder(long sleepMs) {
            this.sleepMs = sleepMs;
        }

        @Override
        public EncodedImage encode(BufferedImage image) {
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return corners(image);
        }

        @Override
        public String id() {
            return "slow";
        }
    }

    /** The test encoders' features: the RGB of the photo's four corners as a 2x2 grid of 3 channels. */
    static EncodedImage corners(BufferedImage image) {
        float[] f = new float[4 * 3];
        for (int i = 0; i < 4; i++) {
            int rgb = image.getRGB((i % 2) * (image.getWidth() - 1), (i / 2) * (image.getHeight() - 1));
            f[3 * i] = ((rgb >> 16) & 255) / 255f;
            f[3 * i + 1] = ((rgb >> 8) & 255) / 255f;
            f[3 * i + 2] = (rgb & 255) / 255f;
        }
        var s = Nd4j.create(f, new long[]{4, 3}, DataType.FLOAT);                         // [regions, channels]
        return new EncodedImage(s, s.mean(0), 2, 2);
    }

    public static CaptionModel model(long sleepMs) {
        Vocabulary v = Vocabulary.of(List.of("<pad>", "<start>", "<end>", "<unk>", "a", "dog", "runs"));
        return CaptionModel.builder().setEncoder(new SlowEncoder(sleepMs)).setVocabulary(v)
                .setDecoder(CaptionNetwork.builder().featureSize(3).pooledSize(3).projectionSize(4).embeddingSize(4)
                        .hiddenSize(4).attentionSize(4).outputHiddenSize(4).seed(1))
                .optBeamSize(1).optMaxLength(5).build();
    }

    void start(long sleepMs, int workers, int queue, long maxUpload) {
        CaptionServer.Limits l = new CaptionServer.Limits();
        l.workers = workers;
        l.queue = queue;
        l.maxUploadBytes = maxUpload;
        server = new CaptionServer(model(sleepMs), l);
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    static byte[] png(int size) throws Exception {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xff0000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    HttpResponse<String> post(String query, byte[] body, String type) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/captions" + query)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void captionsRawAndMultipartUploadsAndRejectsBadOnes() throws Exception {
        start(0, 2, 4, 200_000);
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("ok", JSON.readTree(health.body()).get("status").asText());

        byte[] image = png(32);
        HttpResponse<String> r = post("?beam=2&max_length=4", image, "image/png");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        assertTrue(j.has("caption") && j.has("tokens") && j.has("logprob") && j.has("ms"), r.body());
        assertTrue(j.get("tokens").size() <= 4);
        String caption = j.get("caption").asText();

        String boundary = "----caption4j";
        ByteArrayOutputStream mp = new ByteArrayOutputStream();
        mp.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"beam\"\r\n\r\n2\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"max_length\"\r\n\r\n4\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        mp.write(image);
        mp.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        r = post("", mp.toByteArray(), "multipart/form-data; boundary=" + boundary);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(caption, JSON.readTree(r.body()).get("caption").asText(), "same image, same options, same caption");

        r = post("", "this is not an image".getBytes(), "image/jpeg");
        assertEquals(400, r.statusCode());
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains("not an image"), r.body());
        r = post("", new byte[0], "image/png");
        assertEquals(400, r.statusCode());
        r = post("?beam=zero", image, "image/png");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("beam"), r.body());
        r = post("?max_length=100000", image, "image/png");
        assertEquals(400, r.statusCode());
        r = post("", new byte[300_000], "image/png");
        assertEquals(413, r.statusCode(), r.body());
    }

    @Test
    void boundedPoolAnswers503WhenFullAndServesConcurrentRequests() throws Exception {
        start(400, 1, 1, 1 << 20);
        byte[] image = png(16);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/captions")).header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0, busy = 0;
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            int s = c.get().statusCode();
            ok += s == 200 ? 1 : 0;
            busy += s == 503 ? 1 : 0;
        }
        assertEquals(6, ok + busy);
        assertTrue(ok >= 1 && busy >= 1, ok + " served, " + busy + " refused");
        server.close();
        server = null;

        start(50, 3, 20, 1 << 20);
        calls.clear();
        for (int i = 0; i < 12; i++) {
            calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/captions")).header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        String first = null;
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            HttpResponse<String> r = c.get();
            assertEquals(200, r.statusCode(), r.body());
            String caption = JSON.readTree(r.body()).get("caption").asText();
            first = first == null ? caption : first;
            assertEquals(first, caption);
        }
    }

    @Test
    void closeLetsARunningRequestFinish() throws Exception {
        start(800, 1, 1, 1 << 20);
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/captions"))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png(16))).build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        server.close();
        server = null;
        assertEquals(200, call.get().statusCode());
    }
}
