package io.caption4j.cli.serve;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import io.caption4j.core.CaptionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** With an API key, captions need the right Bearer header (401 JSON otherwise); the health check stays open. */
class ApiKeyAuthTest {
    static CaptionServer server;
    static String base;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start(@TempDir Path tmp) throws Exception {
        Path keyFile = tmp.resolve("key.txt");
        Files.writeString(keyFile, "s3cret-key\n");
        server = new CaptionServer(CaptionServerTest.model(0), new CaptionServer.Limits())
                .optApiKey(ApiKeyAuth.fromFile(keyFile));
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    HttpResponse<String> caption(String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/captions")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(CaptionServerTest.png(16)));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void captionsNeedTheKeyHealthDoesNot() throws Exception {
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        for (String wrong : new String[]{null, "Bearer", "Bearer s3cret-ke", "Bearer s3cret-keyy", "Basic s3cret-key"}) {
            HttpResponse<String> r = caption(wrong);
            assertEquals(401, r.statusCode(), wrong);
            assertTrue(CaptionServerTest.JSON.readTree(r.body()).get("error").asText().contains("API key"), r.body());
            assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""));
        }
        HttpResponse<String> ok = caption("Bearer s3cret-key");
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(CaptionServerTest.JSON.readTree(ok.body()).has("caption"));
    }

    @Test
    void keyFileErrorsAreOneLine(@TempDir Path tmp) throws Exception {
        CaptionException e = assertThrows(CaptionException.class, () -> ApiKeyAuth.fromFile(tmp.resolve("missing")));
        assertTrue(e.getMessage().contains("no such API key file"), e.getMessage());
        Path empty = Files.writeString(tmp.resolve("empty"), " \n");
        assertThrows(CaptionException.class, () -> ApiKeyAuth.fromFile(empty));
    }
}
