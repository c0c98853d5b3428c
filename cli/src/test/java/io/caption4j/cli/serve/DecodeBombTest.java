package io.caption4j.cli.serve;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A burst of 12 small PNGs that decode huge (8000x8000 16-bit RGBA, 512 MB each decoded whole, about 0.5 MB
 * encoded) at a server admitting 10 at once (5 GB decoded whole, more than the 4 GB test heap): every one is
 * captioned or refused with 503, none is called corrupt (400), at least the 10 admitted ones are captioned (they
 * are decoded subsampled, 32 MB each), /health still answers and every admission place comes back.
 */
class DecodeBombTest {
    static CaptionServer server;
    static String base;

    @BeforeAll
    static void start() {
        CaptionServer.Limits l = new CaptionServer.Limits();
        l.workers = 2;
        l.queue = 8;
        server = new CaptionServer(CaptionServerTest.model(0), l);
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A solid black width x height PNG, 16-bit RGBA, written row by row (never held decoded). */
    static byte[] hugeSolidPng(int width, int height) throws IOException {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat)) {
            byte[] row = new byte[1 + width * 8];                  // filter byte 0, then 8 bytes a pixel
            for (int y = 0; y < height; y++) {
                z.write(row);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(png);
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[]{16, 6, 0, 0, 0});                      // 16 bits, RGBA, deflate, no filter, no interlace
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return png.toByteArray();
    }

    static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    @Test
    void decodeHeavyBurstGets200Or503NeverACorruptImage() throws Exception {
        byte[] bomb = hugeSolidPng(8000, 8000);
        assertTrue(bomb.length < 1 << 20, bomb.length + " bytes");
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/captions")).header("Content-Type",
                    "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(bomb)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            HttpResponse<String> r = c.get();
            assertTrue(r.statusCode() == 200 || r.statusCode() == 503, r.statusCode() + " " + r.body());
            ok += r.statusCode() == 200 ? 1 : 0;
        }
        assertTrue(ok >= 10, ok + " captioned: the 10 admitted at once must fit in memory, decoded subsampled");
        HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, h.statusCode());
        assertEquals(0, CaptionServerTest.JSON.readTree(h.body()).get("busy").asInt(), "every permit came back");
    }
}
