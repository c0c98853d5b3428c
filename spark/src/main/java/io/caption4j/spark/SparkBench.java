package io.caption4j.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.ProgressListener;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.core.train.TrainState;
import io.caption4j.core.train.Trainer;
import io.caption4j.core.train.TrainingListener;
import io.caption4j.zoo.InceptionEncoders;
import io.caption4j.zoo.TrainingRun;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.Pointer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark of issue 14 (not a test): images per second of the Spark captioning job in local[1] and local[2]
 * against {@code describeAll} in one JVM, training tokens per second of the single-machine trainer against
 * {@link SparkTrainer} with 1 and 2 local workers (and where a round's time goes), and the process's peak resident
 * memory in each phase (in local mode the executor is this JVM). Prints a Markdown table.
 */
@Command(name = "spark-bench", hidden = true, mixinStandardHelpOptions = true, sortOptions = false,
        description = "Benchmark: Spark captioning and training in local mode against one JVM (prints a table).")
final class SparkBench implements Callable<Integer> {
    @Option(names = "--photos", defaultValue = "../shared/data/flickr8k/images", description = "Photo folder.")
    Path photos;
    @Option(names = {"--limit", "--images"}, defaultValue = "500",
            description = "Photos to caption: the first N JPEGs of --photos by name (default: ${DEFAULT-VALUE}, the issue's).")
    int images;
    @Option(names = "--data", defaultValue = "../shared/data/flickr8k", description = "Flickr8k for the training part.")
    Path data;
    @Option(names = "--train-images", defaultValue = "200", description = "Training images (5 captions each).")
    int trainImages;
    @Option(names = "--steps", defaultValue = "20", description = "Training steps per configuration.")
    int steps;
    @Option(names = "--averaging-frequency", defaultValue = "5", description = "Batches per worker per round.")
    int frequency;
    @Option(names = "--configs", split = ",", defaultValue = "jvm,local1,local2,single,spark1,spark2",
            description = "What to run: jvm, local1, local2 (captioning), single, spark1, spark2 (training); one per JVM "
                    + "gives each its own memory figure (default: ${DEFAULT-VALUE}).")
    List<String> configs;
    @Option(names = "--out", defaultValue = "/tmp/caption4j-spark-bench", description = "Scratch folder.")
    Path out;

    private final List<String> rows = new ArrayList<>();

    /** Samples the process's resident memory every 100 ms while a phase runs; its peak in MB. */
    static final class PeakRss implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong(Pointer.physicalBytes());
        private final Thread sampler;
        private volatile boolean running = true;

        PeakRss() {
            sampler = new Thread(() -> {
                while (running) {
                    peak.accumulateAndGet(Pointer.physicalBytes(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        long mb() {
            return Math.max(peak.get(), Pointer.physicalBytes()) >> 20;
        }

        @Override
        public void close() {
            running = false;
            sampler.interrupt();
        }
    }

    @Override
    public Integer call() throws Exception {
        SparkMain.checkJavaOptions();
        Configurator.setRootLevel(Level.WARN);
        Files.createDirectories(out);
        System.out.printf(Locale.ROOT, "Java %s, %d cores, OMP_NUM_THREADS=%s, max heap %d MB%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().maxMemory() >> 20);
        if (configs.contains("jvm") || configs.contains("local1") || configs.contains("local2")) {
            describe();
        }
        if (configs.contains("single") || configs.contains("spark1") || configs.contains("spark2")) {
            train();
        }
        System.out.println();
        System.out.println("| work | configuration | rate | peak RSS of the process (MB) | notes |");
        System.out.println("|---|---|---|---|---|");
        rows.forEach(System.out::println);
        return 0;
    }

    private void describe() throws IOException {
        if (!Files.isDirectory(photos) || images < 1) {
            throw new CaptionException("--photos must be a folder of JPEGs (" + photos.toAbsolutePath() + ") and --limit >= 1");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(photos)) {
            files = s.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(images).toList();
        }
        if (files.size() < images) {
            System.out.printf(Locale.ROOT, "only %d JPEGs in %s: captioning those%n", files.size(), photos);
        }
        if (configs.contains("jvm")) {
            describeInOneJvm(files);
        }
        String[] uris = files.stream().map(p -> p.toAbsolutePath().toUri().toString()).toArray(String[]::new);
        for (String master : new String[]{"local[1]", "local[2]"}) {
            if (!configs.contains(master.replaceAll("[\\[\\]]", ""))) {
                continue;
            }
            SparkSession spark = session(master);
            try {
                SparkCaptioner c = SparkCaptioner.builder().build();
                SparkJobs.write(c.describe(spark, uris[0]), out.resolve("warm").toString(), SparkJobs.Format.PARQUET, true);
                try (PeakRss rss = new PeakRss()) {
                    SparkJobs.Summary s = SparkJobs.write(c.describe(spark, uris), out.resolve("captions").toString(),
                            SparkJobs.Format.PARQUET, true);
                    rows.add(String.format(Locale.ROOT, "| caption %d photos | Spark %s, partitions 4 per core, batches of 8 "
                            + "| %.2f images/s (%.0f s) | %d | whole job: listing, tasks, Parquet; %d failed |",
                            files.size(), master, (s.done() + s.failed()) / s.seconds(), s.seconds(), rss.mb(), s.failed()));
                }
            } finally {
                spark.stop();
            }
        }
    }

    /** {@code describeAll} in batches of 8 after a warm-up batch, as {@code caption4j describe} runs it. */
    private void describeInOneJvm(List<Path> files) {
        ImageLoader loader = new ImageLoader();
        try (CaptionModel model = CaptionModel.pretrained()) {
            List<BufferedImage> warm = new ArrayList<>();
            for (Path p : files.subList(0, Math.min(8, files.size()))) {
                warm.add(loader.read(p));
            }
            model.describeAll(warm);                                                    // JIT, workspaces
            try (PeakRss rss = new PeakRss()) {
                long t0 = System.nanoTime();
                for (int i = 0; i < files.size(); i += 8) {
                    List<BufferedImage> batch = new ArrayList<>();
                    for (Path p : files.subList(i, Math.min(files.size(), i + 8))) {
                        batch.add(loader.read(p));
                    }
                    model.describeAll(batch);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                rows.add(String.format(Locale.ROOT, "| caption %d photos | describeAll in one JVM, batches of 8 | %.2f images/s "
                        + "(%.0f s) | %d | model loaded before |", files.size(), files.size() / s, s, rss.mb()));
            }
        }
    }

    private static SparkSession session(String master) {
        return SparkSession.builder().master(master).appName("caption4j spark-bench").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    }

    /** Hears the last tokens/s of the epoch so far. */
    static final class Rate implements TrainingListener {
        double tokensPerSecond;
        long step;

        @Override
        public void onBatch(TrainState state, double tps) {
            tokensPerSecond = tps;
            step = state.step;
        }
    }

    private void train() {
        TrainConfig c = new TrainConfig();
        c.checkpointEverySteps = 0;
        c.checkpointEveryMinutes = 0;
        c.epochs = 1;
        CaptionDataset train = Datasets.flickr8k(data, Datasets.Split.TRAIN).limit(trainImages);
        Path cache = TrainingRun.defaultFeatureCache();
        FeatureSource features = TrainingRun.featureSource(InceptionEncoders.of(c.encoderSpec()), c.pool, cache, 8);
        features.precompute(train.examples(), "features", ProgressListener.NONE);        // not timed
        Vocabulary v = Trainer.vocabulary(train, c);
        if (configs.contains("single")) {
            try (PeakRss rss = new PeakRss()) {
                Rate r = new Rate();
                new Trainer(c, train, null, features, out.resolve("single-" + System.nanoTime())).listener(r)
                        .stopAfterSteps(steps).start(v);
                rows.add(String.format(Locale.ROOT, "| train, batch %d, default network | single-machine Trainer | %.0f "
                        + "tokens/s | %d | %d steps |", c.batchSize, r.tokensPerSecond, rss.mb(), r.step));
            }
        }
        for (int workers : new int[]{1, 2}) {
            if (!configs.contains("spark" + workers)) {
                continue;
            }
            SparkSession spark = session("local[2]");
            try (PeakRss rss = new PeakRss()) {
                Rate r = new Rate();
                SparkTrainer t = new SparkTrainer(spark, c, train, null, out.resolve("spark-" + System.nanoTime()))
                        .featureCache(cache).workers(workers).averagingFrequency(frequency).listener(r)
                        .stopAfterSteps(steps);
                t.start(v);
                double[] rt = t.roundTimes();
                rows.add(String.format(Locale.ROOT, "| train, batch %d, default network | SparkTrainer local[2], %d worker%s, "
                        + "averaging every %d batches | %.0f tokens/s | %d | %d steps in %.0f rounds: %.1f s a round, of which "
                        + "%.1f s fitting (slowest worker) and %.1f s averaging overhead |", c.batchSize, workers,
                        workers == 1 ? "" : "s", frequency, r.tokensPerSecond, rss.mb(), r.step, rt[0], rt[1] / rt[0],
                        rt[2] / rt[0], (rt[1] - rt[2]) / rt[0]));
            } finally {
                spark.stop();
            }
        }
    }
}
