package io.caption4j.cli.serve;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.*;

/** Liveness at once, readiness only after the warm-up caption (a 1 s encoder here), and the model's identity. */
class OperationsEndpointsTest {
    static CaptionServer server;
    static String base;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        CaptionServer.Limits l = new CaptionServer.Limits();
        l.workers = 1;
        server = new CaptionServer(CaptionServerTest.model(1000), l).optModelInfo(new ModelInfo("toy.zip", "ab12"));
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void liveAtOnceReadyAfterWarmUpAndModelIdentity() throws Exception {
        assertEquals(200, get("/health/live").statusCode());
        HttpResponse<String> r = get("/health/ready");
        assertEquals(503, r.statusCode(), "the warm-up caption takes 1 s");
        assertEquals("warming up", CaptionServerTest.JSON.readTree(r.body()).get("status").asText());
        long end = System.nanoTime() + 10_000_000_000L;
        while ((r = get("/health/ready")).statusCode() != 200 && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(200, get("/health").statusCode());
        JsonNode m = CaptionServerTest.JSON.readTree(get("/v1/models").body()).get("models").get(0);
        assertEquals("toy.zip", m.get("name").asText());
        assertEquals("slow", m.get("encoder").asText());
        assertEquals(7, m.get("vocabulary_size").asInt());
        assertEquals("ab12", m.get("sha256").asText());
    }
}
