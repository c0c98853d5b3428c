package io.caption4j.benchmarks;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.image.ImageLoader;

/**
 * The latency of {@code CaptionModel.describe} with the default model, one caller or several at once: median and 90th
 * percentile per caption and captions per second. Run it once per OpenMP thread setting to choose the inference
 * threads, e.g. {@code OMP_NUM_THREADS=1 java -cp benchmarks/target/benchmarks.jar
 * io.caption4j.benchmarks.DescribeLatencyBench [PHOTO_FOLDER] [CAPTIONS_PER_CALLER] [CALLERS...]}.
 */
public final class DescribeLatencyBench {
    private DescribeLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args.length > 0 ? args[0] : "../shared/data/images");
        int perCaller = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int[] callers = args.length > 2 ? Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[]{1, 2};
        List<BufferedImage> photos = photos(folder);
        String omp = System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset: ND4J's default)");
        try (CaptionModel model = CaptionModel.pretrained()) {
            for (BufferedImage p : photos) {
                model.describe(p);                                                  // warm-up: one pass over the photos
            }
            System.out.printf(Locale.ROOT, "OMP_NUM_THREADS=%s, %d cores, %d photos, %d captions per caller%n", omp,
                    Runtime.getRuntime().availableProcessors(), photos.size(), perCaller);
            System.out.println("| callers | median ms | p90 ms | captions/s |");
            System.out.println("|---|---|---|---|");
            for (int c : callers) {
                System.out.println(row(model, photos, c, perCaller));
            }
        }
    }

    private static String row(CaptionModel model, List<BufferedImage> photos, int callers, int perCaller) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Future<double[]>> futures = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < callers; c++) {
            int offset = c;
            futures.add(pool.submit(() -> {
                double[] ms = new double[perCaller];
                for (int i = 0; i < perCaller; i++) {
                    long s = System.nanoTime();
                    model.describe(photos.get((offset + i) % photos.size()));
                    ms[i] = (System.nanoTime() - s) / 1e6;
                }
                return ms;
            }));
        }
        double[] all = new double[callers * perCaller];
        for (int c = 0; c < callers; c++) {
            System.arraycopy(futures.get(c).get(), 0, all, c * perCaller, perCaller);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        Arrays.sort(all);
        return String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.2f |", callers, all[all.length / 2],
                all[(int) Math.floor(all.length * 0.9)], all.length / secs);
    }

    private static List<BufferedImage> photos(Path folder) throws IOException {
        List<BufferedImage> out = new ArrayList<>();
        ImageLoader loader = new ImageLoader();
        try (Stream<Path> files = Files.list(folder)) {
            files.filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png|bmp|gif)$")).sorted()
                    .forEach(p -> out.add(loader.read(p)));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("No photos in " + folder);
        }
        return out;
    }
}
