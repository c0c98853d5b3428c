package io.caption4j.cli.serve;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.imageio.ImageIO;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.decode.DecodeOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The API the web page uses: per-word attention ({@code attention=true}), the decoding controls, multi-image batch
 * requests with per-image errors, and the page itself; answers are checked against the same model called directly.
 */
class CaptionApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static CaptionModel model;
    static CaptionServer server;
    static String base;

    @BeforeAll
    static void start() {
        model = CaptionServerTest.model(0);
        CaptionServer.Limits l = new CaptionServer.Limits();
        l.workers = 2;
        l.maxBatch = 4;
        server = new CaptionServer(model, l);
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (model != null) {
            model.close();
        }
    }

    /** A photo-like image whose corners (all the small model's encoder looks at) depend on the seed. */
    static byte[] png(int seed) throws Exception {
        BufferedImage img = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 24; x++) {
                img.setRGB(x, y, (seed * 0x3b5f17 + x * 0x0a0b0c + y * 0x0c0301) & 0xffffff);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** An image whose greedy caption has words (the untrained model ends some captions at once). */
    static byte[] pngWithWords() throws Exception {
        for (int seed = 1; seed < 200; seed++) {
            byte[] png = png(seed);
            if (!model.describe(decode(png), DecodeOptions.greedy().withMaxLength(5)).tokens().isEmpty()) {
                return png;
            }
        }
        throw new AssertionError("no test image gets a caption with words");
    }

    static BufferedImage decode(byte[] png) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    static HttpResponse<String> post(String query, byte[] body, String type) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/captions" + query)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A multipart body of files named name_i with the given bytes, in order. */
    static HttpResponse<String> postFiles(String query, String[] names, byte[]... files) throws Exception {
        String boundary = "----caption4jbatch";
        ByteArrayOutputStream mp = new ByteArrayOutputStream();
        for (int i = 0; i < files.length; i++) {
            mp.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + names[i]
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            mp.write(files[i]);
            mp.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        mp.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return post(query, mp.toByteArray(), "multipart/form-data; boundary=" + boundary);
    }

    static void assertCaption(Caption expected, JsonNode j, boolean attention) {
        assertEquals(expected.text(), j.get("caption").asText(), j.toString());
        assertEquals(expected.tokens().size(), j.get("tokens").size());
        assertEquals(expected.logProb(), j.get("logprob").asDouble(), 1e-9);
        assertEquals(attention, j.has("attention"), j.toString());
    }

    @Test
    void attentionTrueAnswersEachWordsMapAsCaptionAttentionGivesIt() throws Exception {
        byte[] image = pngWithWords();
        HttpResponse<String> r = post("?attention=true&strategy=greedy&max_length=5", image, "image/png");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        Caption c = model.describe(decode(image), DecodeOptions.greedy().withMaxLength(5));
        assertCaption(c, j, true);
        JsonNode a = j.get("attention");
        assertEquals(c.gridHeight(), a.get("height").asInt());
        assertEquals(c.gridWidth(), a.get("width").asInt());
        assertEquals(2, c.gridHeight());
        JsonNode alphas = a.get("alphas");
        assertEquals(c.tokens().size(), alphas.size(), "one map per word");
        assertTrue(alphas.size() > 0);
        for (int i = 0; i < alphas.size(); i++) {
            float[][] map = c.attention(i);
            JsonNode row = alphas.get(i);
            assertEquals(c.gridHeight() * c.gridWidth(), row.size());
            double sum = 0;
            for (int y = 0; y < c.gridHeight(); y++) {
                for (int x = 0; x < c.gridWidth(); x++) {
                    float v = (float) row.get(y * c.gridWidth() + x).asDouble();
                    assertEquals(map[y][x], v, 0f, "word " + i + " cell " + y + "," + x + " (row-major)");
                    sum += v;
                }
            }
            assertEquals(1, sum, 1e-4, "a map sums to 1");
        }
        JsonNode t = j.get("timings_ms");
        for (String k : List.of("read", "queue", "caption", "encode", "words", "total")) {
            assertTrue(t.get(k).asDouble() >= 0, k + " in " + t);
        }
        assertTrue(t.get("total").asDouble() >= t.get("caption").asDouble(), t.toString());
        assertTrue(t.get("encode").asDouble() + t.get("words").asDouble() <= t.get("caption").asDouble() + 0.2,
                "encode and words are parts of caption: " + t);
        assertEquals("greedy", j.get("options").get("strategy").asText());
        assertEquals(5, j.get("options").get("max_length").asInt());

        JsonNode without = JSON.readTree(post("?strategy=greedy&max_length=5", image, "image/png").body());
        assertCaption(c, without, false);
        assertEquals(400, post("?attention=maybe", image, "image/png").statusCode());
    }

    @Test
    void decodingControlsChooseGreedyBeamOrReproducibleSampling() throws Exception {
        byte[] image = png(2);
        BufferedImage photo = decode(image);
        JsonNode beam = JSON.readTree(post("?strategy=beam&beam=3&max_length=4", image, "image/png").body());
        assertCaption(model.describe(photo, DecodeOptions.beam(3).withMaxLength(4)), beam, false);
        assertEquals("beam", beam.get("options").get("strategy").asText());
        assertEquals(3, beam.get("options").get("beam").asInt());
        JsonNode beamOnly = JSON.readTree(post("?beam=3&max_length=4", image, "image/png").body());
        assertEquals(beam.get("caption"), beamOnly.get("caption"), "beam=K alone is beam search, as before");

        JsonNode s1 = JSON.readTree(post("?strategy=sample&temperature=1.5&top_k=3&seed=42", image, "image/png").body());
        assertCaption(model.describe(photo, DecodeOptions.sample(1.5, 3, 42).withMaxLength(model.defaultOptions().maxLength)),
                s1, false);
        JsonNode o = s1.get("options");
        assertEquals("sample", o.get("strategy").asText());
        assertEquals(1.5, o.get("temperature").asDouble());
        assertEquals(3, o.get("top_k").asInt());
        assertEquals(42, o.get("seed").asLong());
        JsonNode drawn = JSON.readTree(post("?temperature=2", image, "image/png").body());
        assertEquals("sample", drawn.get("options").get("strategy").asText(), "a temperature alone means sampling");
        long seed = drawn.get("options").get("seed").asLong();
        JsonNode again = JSON.readTree(post("?temperature=2&seed=" + seed, image, "image/png").body());
        assertEquals(drawn.get("logprob"), again.get("logprob"), "the reported seed reproduces the sample");

        for (String bad : List.of("strategy=best", "strategy=greedy&temperature=0.5", "temperature=0", "temperature=x",
                "top_k=-1", "seed=1.5", "beam=11", "max_length=0")) {
            HttpResponse<String> r = post("?" + bad, image, "image/png");
            assertEquals(400, r.statusCode(), bad + ": " + r.body());
            String param = bad.substring(bad.lastIndexOf('&') + 1, bad.indexOf('=', bad.lastIndexOf('&') + 1));
            assertTrue(JSON.readTree(r.body()).get("error").asText().contains(param), bad + ": " + r.body());
        }
    }

    @Test
    void aBatchCaptionsEveryImageAsDescribeDoesAndReportsABadOneOnItsOwn() throws Exception {
        byte[] a = png(3), b = png(4);
        HttpResponse<String> r = postFiles("?attention=true&strategy=greedy", new String[]{"a.png", "notes.txt", "b.png", ""},
                a, "this is not an image".getBytes(StandardCharsets.UTF_8), b, new byte[0]);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = JSON.readTree(r.body());
        JsonNode results = j.get("results");
        assertEquals(4, results.size(), "one result per file, in upload order");
        List<Caption> expected = model.describeAll(List.of(decode(a), decode(b)), DecodeOptions.greedy());
        assertEquals("a.png", results.get(0).get("file").asText());
        assertEquals(200, results.get(0).get("status").asInt());
        assertCaption(expected.get(0), results.get(0), true);
        assertEquals(expected.get(0).text(), model.describe(decode(a), DecodeOptions.greedy()).text());
        assertEquals("notes.txt", results.get(1).get("file").asText());
        assertEquals(400, results.get(1).get("status").asInt());
        assertTrue(results.get(1).get("error").asText().contains("not an image"), results.get(1).toString());
        assertFalse(results.get(1).has("caption"));
        assertCaption(expected.get(1), results.get(2), true);
        assertEquals(400, results.get(3).get("status").asInt());
        assertTrue(results.get(3).get("error").asText().contains("empty"), results.get(3).toString());
        assertEquals("greedy", j.get("options").get("strategy").asText());
        assertTrue(j.get("timings_ms").get("caption").asDouble() > 0);

        JsonNode one = JSON.readTree(postFiles("?batch=true", new String[]{"a.png"}, a).body());
        assertEquals(1, one.get("results").size(), "batch=true answers results for a single file too");
        assertEquals(model.describe(decode(a)).text(), one.get("results").get(0).get("caption").asText());

        JsonNode allBad = JSON.readTree(postFiles("", new String[]{"x", "y"}, new byte[]{1}, new byte[]{2}).body());
        assertEquals(400, allBad.get("results").get(1).get("status").asInt(), "no image to caption is still an answer");

        HttpResponse<String> tooMany = postFiles("", new String[]{"1", "2", "3", "4", "5"}, a, a, a, a, a);
        assertEquals(400, tooMany.statusCode());
        assertTrue(tooMany.body().contains("at most 4"), tooMany.body());
        assertEquals(400, postFiles("?batch=perhaps", new String[]{"a.png"}, a).statusCode());
    }

    @Test
    void servesThePageAndItsAssetsFromTheServerItself() throws Exception {
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
        assertTrue(page.body().contains("/page/page.js") && page.body().contains("/page/page.css"));
        assertFalse(page.body().matches("(?s).*(src|href)=\"https?:.*"), "no asset from elsewhere");
        for (String asset : List.of("page.js", "page.css")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/page/" + asset)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), asset);
            assertTrue(r.body().length() > 1000, asset);
            assertTrue(r.body().contains("/v1/captions") || asset.endsWith(".css"));
        }
        int traversal = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/page/..%2Fpage.js")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
        assertTrue(traversal == 404 || traversal == 400, "only the page's own files: " + traversal);
        assertEquals(404, HTTP.send(HttpRequest.newBuilder(URI.create(base + "/page/secret.txt")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }
}
