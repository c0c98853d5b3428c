package io.caption4j.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.caption4j.cli.serve.CaptionServer;
import io.caption4j.core.CaptionModel;

/**
 * Load on {@code caption4j serve}'s server with the default model over the loopback: throughput and latency
 * percentiles at 1, 4 and 16 concurrent clients with 1 and 2 workers, the process's resident memory before, during
 * and after, and the slow-body scenario of issue 12 (300 connections trickling bytes while health and captions are
 * timed). Client and server share the JVM, so the memory is both's (the clients' part is small). Run it with
 * {@code OMP_NUM_THREADS=1 java -cp benchmarks/target/benchmarks.jar io.caption4j.benchmarks.ServeLoadBench
 * [PHOTO_FOLDER] [REQUESTS_PER_CLIENT]}.
 */
public final class ServeLoadBench {
    private ServeLoadBench() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args.length > 0 ? args[0] : "../shared/data/images");
        int perClient = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        List<byte[]> photos = photos(folder);
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(16)).build();
        System.out.printf(Locale.ROOT, "OMP_NUM_THREADS=%s, %d cores, %d photos, %d requests per client (12 a row at least)%n",
                System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"), Runtime.getRuntime().availableProcessors(),
                photos.size(), perClient);
        System.out.println("| workers | clients | requests | captions/s | p50 ms | p95 ms | p99 ms | non-200 "
                + "| RSS before / max during / after MB |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        try (CaptionModel model = CaptionModel.pretrained()) {
            for (int workers : new int[]{1, 2}) {
                CaptionServer.Limits l = new CaptionServer.Limits();
                l.workers = workers;
                l.queue = 64;
                CaptionServer server = new CaptionServer(model, l);
                String base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
                while (!server.ready()) {
                    Thread.sleep(100);
                }
                for (byte[] p : photos) {                                   // warm-up: each photo once
                    post(http, base, p);
                }
                for (int clients : new int[]{1, 4, 16}) {
                    int each = Math.max(perClient, (12 + clients - 1) / clients);
                    System.out.println(row(http, base, photos, workers, clients, each));
                }
                if (workers == 2) {
                    slowBodies(http, base, photos.get(0));
                }
                server.close();
            }
        }
        System.exit(0);
    }

    private static String row(HttpClient http, String base, List<byte[]> photos, int workers, int clients, int perClient)
            throws Exception {
        long before = rssMb();
        AtomicLong maxRss = new AtomicLong(before);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                maxRss.accumulateAndGet(rssMb(), Math::max);
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<double[]>> futures = new ArrayList<>();
        AtomicLong failed = new AtomicLong();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int offset = c;
            futures.add(pool.submit(() -> {
                double[] ms = new double[perClient];
                for (int i = 0; i < perClient; i++) {
                    long s = System.nanoTime();
                    if (post(http, base, photos.get((offset + i) % photos.size())) != 200) {
                        failed.incrementAndGet();
                    }
                    ms[i] = (System.nanoTime() - s) / 1e6;
                }
                return ms;
            }));
        }
        double[] all = new double[clients * perClient];
        for (int c = 0; c < clients; c++) {
            System.arraycopy(futures.get(c).get(), 0, all, c * perClient, perClient);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        running.set(false);
        sampler.join();
        System.gc();
        Thread.sleep(500);
        Arrays.sort(all);
        return String.format(Locale.ROOT, "| %d | %d | %d | %.2f | %.0f | %.0f | %.0f | %d | %d / %d / %d |", workers,
                clients, all.length, all.length / secs, pct(all, 0.50), pct(all, 0.95), pct(all, 0.99), failed.get(), before,
                maxRss.get(), rssMb());
    }

    /** Issue 12's scenario: 300 connections send headers and 100 body bytes, then 1 byte every 5 s. */
    private static void slowBodies(HttpClient http, String base, byte[] photo) throws Exception {
        int port = URI.create(base).getPort();
        byte[] head = ("POST /v1/captions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                + "Content-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        List<Socket> sockets = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 300; i++) {
            Socket s = new Socket("127.0.0.1", port);
            s.getOutputStream().write(head);
            s.getOutputStream().write(new byte[100]);
            sockets.add(s);
        }
        Thread trickle = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(5000);
                    for (Socket s : sockets) {
                        try {
                            s.getOutputStream().write(1);
                        } catch (IOException e) {
                            // cut off by the server: as intended
                        }
                    }
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        trickle.start();
        double[] health = new double[5], caption = new double[5];
        for (int i = 0; i < 5; i++) {
            long s = System.nanoTime();
            int h = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            health[i] = h == 200 ? (System.nanoTime() - s) / 1e6 : Double.NaN;
            s = System.nanoTime();
            caption[i] = post(http, base, photo) == 200 ? (System.nanoTime() - s) / 1e6 : Double.NaN;
        }
        int cut = 0;
        double lastCut = 0;
        for (Socket s : sockets) {
            s.setSoTimeout(60_000);
            String answer = readAll(s.getInputStream());
            if (answer.startsWith("HTTP/1.1 408")) {
                cut++;
                lastCut = (System.nanoTime() - t0) / 1e9;
            }
            s.close();
        }
        trickle.interrupt();
        Arrays.sort(health);
        Arrays.sort(caption);
        System.out.printf(Locale.ROOT, "%nSlow bodies (2 workers): 300 connections, 100 bytes then 1 byte / 5 s each."
                + " While open: /health median %.0f ms (max %.0f), caption median %.0f ms (max %.0f); %d of 300 answered 408,"
                + " the last %.1f s after they opened.%n", health[2], health[4], caption[2], caption[4], cut, lastCut);
    }

    private static String readAll(InputStream in) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                b.write(buf, 0, n);
            }
        } catch (IOException e) {
            // what arrived is the answer
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static int post(HttpClient http, String base, byte[] photo) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/captions")).header("Content-Type", "image/jpeg")
                .timeout(Duration.ofSeconds(300)).POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static double pct(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p) - 1)];
    }

    /** The process's resident set (VmRSS) in MB, or -1 off Linux. */
    static long rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static List<byte[]> photos(Path folder) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> images = files.filter(f -> f.toString().matches("(?i).*\\.(jpe?g|png|bmp|gif)$")).sorted().toList();
            for (Path p : images) {
                out.add(Files.readAllBytes(p));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("No photos in " + folder);
        }
        return out;
    }
}
