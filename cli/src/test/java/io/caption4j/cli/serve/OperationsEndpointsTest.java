package io.caption4j.cli.serve;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

import io.caption4j.core.CaptionModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Liveness at once and readiness only after the warm-up caption, the model's identity, /metrics, /openapi.json (listing
 * exactly the routes the server answers) and the access log, against a loopback server.
 */
class OperationsEndpointsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();
    CaptionServer server;
    String base;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> caption(byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/captions")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void liveAtOnceReadyAfterWarmUpAndModelIdentity() throws Exception {
        CaptionServer.Limits l = new CaptionServer.Limits();
        l.workers = 1;
        server = new CaptionServer(CaptionServerTest.model(1000), l).optModelInfo(new ModelInfo("toy.zip", "ab12"));
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
        assertEquals(200, get("/health/live").statusCode());
        HttpResponse<String> r = get("/health/ready");
        ServerHardeningTest.assertError(r, 503, "warming up");          // the warm-up caption takes 1 s
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        assertFalse(JSON.readTree(get("/health").body()).get("ready").asBoolean());
        long end = System.nanoTime() + 10_000_000_000L;
        while ((r = get("/health/ready")).statusCode() != 200 && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(200, get("/health").statusCode());
        assertTrue(JSON.readTree(get("/health").body()).get("ready").asBoolean());
        JsonNode m = JSON.readTree(get("/v1/models").body()).get("models").get(0);
        assertEquals("toy.zip", m.get("name").asText());
        assertEquals("slow", m.get("encoder").asText());
        assertEquals(7, m.get("vocabulary_size").asInt());
        assertEquals("ab12", m.get("sha256").asText());
    }

    @Test
    void readinessWaitsForTheWarmUpCaptionHowEverLongItTakes() throws Exception {
        ServerHardeningTest helper = new ServerHardeningTest();
        CountDownLatch gate = new CountDownLatch(1);
        helper.encoder.gate = gate;                          // the warm-up caption waits at the gate
        server = new CaptionServer(helper.model(), ServerHardeningTest.limits(1, 1));
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
        Thread.sleep(500);
        assertEquals(200, get("/health/live").statusCode());
        ServerHardeningTest.assertError(get("/health/ready"), 503, "warming up");
        helper.encoder.gate = null;
        gate.countDown();
        for (int i = 0; i < 100 && !server.ready(); i++) {
            Thread.sleep(50);
        }
        assertEquals(200, get("/health/ready").statusCode());
    }

    @Test
    void metricsModelsOpenApiAndAccessLog() throws Exception {
        ServerHardeningTest helper = new ServerHardeningTest();
        CaptionModel served = helper.model();
        server = new CaptionServer(served, ServerHardeningTest.limits(1, 1))
                .optModelInfo(new ModelInfo("toy.zip", "ab12"));
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
        for (int i = 0; i < 100 && !server.ready(); i++) {
            Thread.sleep(50);
        }
        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            assertEquals(200, caption(CaptionServerTest.png(16)).statusCode());
            assertEquals(400, caption("not an image".getBytes()).statusCode());
        } finally {
            System.setErr(err);
        }
        String lines = log.toString(StandardCharsets.UTF_8);
        assertTrue(lines.contains("method=POST path=/v1/captions status=200 ms=") && lines.contains("bytes_in=")
                && lines.contains("status=400") && !lines.contains("bytes_out=0 "), lines);

        HttpResponse<String> m = get("/metrics");
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String text = m.body();
        for (String metric : new String[]{
            "caption4j_requests_seconds_count{method=\"POST\",route=\"/v1/captions\",status=\"200\"} 1",
            "caption4j_requests_seconds_count{method=\"POST\",route=\"/v1/captions\",status=\"400\"} 1",
            "caption4j_requests_seconds_bucket{method=\"POST\",route=\"/v1/captions\",status=\"200\",le=\"0.5\"}",
            "caption4j_refused_total{reason=\"bad_request\"} 1.0", "caption4j_queue_depth ", "caption4j_workers_busy ",
            "caption4j_image_decode_seconds_count 1", "caption4j_caption_seconds_count 1", "caption4j_encode_seconds_count 1",
            "caption4j_words_seconds_count 1", "caption4j_uploads_buffered_bytes ", "caption4j_offheap_total_bytes ",
            "caption4j_offheap_physical_bytes ", "jvm_memory_used_bytes{", "jvm_gc_", "process_cpu_usage"}) {
            assertTrue(text.contains(metric), metric + " missing from\n" + text);
        }

        JsonNode model = JSON.readTree(get("/v1/models").body()).get("models").get(0);
        assertEquals("toy.zip", model.get("name").asText());
        assertEquals("ab12", model.get("sha256").asText());
        assertEquals("controlled", model.get("encoder").asText());
        assertEquals(7, model.get("vocabulary_size").asInt());
        assertEquals(served.network().params().length(), model.get("parameters").asLong()); // the decoder vertex too
        assertEquals(1, model.get("decoders").asInt());
        assertEquals(10, model.get("limits").get("max_beam").asInt());

        HttpResponse<String> api = get("/openapi.json");
        assertEquals(200, api.statusCode());
        JsonNode doc = JSON.readTree(api.body());
        JsonNode paths = doc.get("paths");
        assertTrue(doc.get("openapi").asText().startsWith("3."));
        assertTrue(server.routes().containsAll(java.util.List.of("POST /v1/captions", "GET /metrics", "GET /openapi.json",
                "GET /", "GET /page/{name}")), server.routes().toString());
        for (String route : server.routes()) {
            String[] mp = route.split(" ");
            assertTrue(paths.has(mp[1]) && paths.get(mp[1]).has(mp[0].toLowerCase()), route + " is not in openapi.json");
        }
        paths.fieldNames().forEachRemaining(p -> paths.get(p).fieldNames().forEachRemaining(method ->
                assertTrue(server.routes().contains(method.toUpperCase() + " " + p), "openapi.json lists " + method + " " + p
                        + " that the server does not answer")));
        JsonNode params = paths.get("/v1/captions").get("post").get("parameters");
        java.util.Set<String> names = new java.util.HashSet<>();
        params.forEach(p -> names.add(p.get("name").asText()));
        assertEquals(java.util.Set.of("strategy", "beam", "max_length", "temperature", "top_k", "seed", "attention", "batch"),
                names, "every parameter RequestParams reads");
    }
}
