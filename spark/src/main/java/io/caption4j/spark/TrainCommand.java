package io.caption4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

import io.caption4j.core.CaptionException;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.FeatureCache;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.core.train.Checkpoint;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.core.train.TrainState;
import io.caption4j.core.train.Trainer;
import io.caption4j.core.train.TrainingListener;
import io.caption4j.layers.EmbeddingMode;
import io.caption4j.zoo.InceptionEncoders;
import io.caption4j.zoo.TrainingRun;
import io.caption4j.zoo.WordVectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark-train} (the launcher also maps {@code caption4j train --spark ...} to it): data-parallel training with
 * {@link SparkTrainer}. The images missing from the feature cache are first encoded by a Spark job
 * ({@link SparkFeatureExtractor}), then the workers only read features. The settings not given here come from
 * {@code --config} (a TrainConfig JSON, as saved in checkpoints) or its defaults.
 */
@Command(name = "spark-train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a captioner on Spark by parameter averaging: each round, --workers tasks fit",
                "--averaging-frequency batches each from the same parameters, and their parameters and Adam state are",
                "averaged. Checkpoints and --resume as in `caption4j train`."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--dataset", description = "Data set format: ${COMPLETION-CANDIDATES} (default: the config's, flickr8k).")
    Datasets.Format dataset;
    @Option(names = "--data", description = "flickr8k: its folder; coco: the captions JSON; file: the CSV/JSONL.")
    Path data;
    @Option(names = "--images", description = "coco: the image folder; file: the folder image paths are relative to.")
    Path images;
    @Option(names = "--dev-data", description = "coco / file: the dev set's captions file.")
    Path devData;
    @Option(names = "--dev-images", description = "coco / file: the dev set's image folder.")
    Path devImages;
    @Option(names = "--out", defaultValue = "runs/spark", description = "Run folder on the driver (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--resume", description = "Continue the run in --out with the configuration saved in its checkpoint.")
    boolean resume;
    @Option(names = "--config", description = "A training configuration JSON; the options here override it.")
    Path configFile;
    @Option(names = "--workers", description = "Tasks per averaging round (default: Spark's default parallelism).")
    Integer workers;
    @Option(names = "--averaging-frequency", defaultValue = "5",
            description = "Batches each worker fits between averagings (default: ${DEFAULT-VALUE}).")
    int averagingFrequency;
    @Option(names = "--epochs", description = "Epochs (default: 10).")
    Integer epochs;
    @Option(names = "--batch-size", description = "Captions per batch (default: 32).")
    Integer batchSize;
    @Option(names = "--lr", description = "Adam learning rate (default: 4e-4).")
    Double learningRate;
    @Option(names = "--limit-images", description = "Train on the first N images and dev on the first N/4, 0 = all.")
    Integer limitImages;
    @Option(names = "--word-vectors", description = "GloVe or word2vec text file: FINE_TUNE embeddings of its dimension.")
    Path wordVectors;
    @Option(names = "--checkpoint-steps", description = "Checkpoint every N steps, 0 = off (default: 500).")
    Integer checkpointSteps;
    @Option(names = "--checkpoint-minutes", description = "Checkpoint every N minutes, 0 = off (default: 10).")
    Double checkpointMinutes;
    @Option(names = "--seed", description = "Random seed (default: 42).")
    Long seed;
    @Option(names = "--max-steps", description = "Stop with a checkpoint after the round that reaches this many steps.")
    Long maxSteps;
    @Option(names = "--cache", paramLabel = "DIR", description = "Feature cache, shared by driver and workers "
            + "(default: ${DEFAULT-VALUE}).")
    Path cache = TrainingRun.defaultFeatureCache();
    // caption4j train's fine-tuning options, accepted only to be refused with the reason (SparkTrainer.checkSupported)
    @Option(names = "--scst", hidden = true)
    boolean scst;
    @Option(names = "--init-from", hidden = true)
    Path initFrom;
    @CommandLine.Mixin
    SparkMain.SparkOptions spark = new SparkMain.SparkOptions();

    @Override
    public Integer call() throws IOException {
        TrainConfig c = resume ? Checkpoint.load(out.resolve(Trainer.LATEST)).config : config();
        SparkTrainer.checkSupported(c);                    // before any Spark job: --scst, --init-from
        c.validate();
        Datasets.Format format = Datasets.Format.valueOf(c.dataset);
        Path imageDir = c.images == null ? null : Path.of(c.images);
        CaptionDataset train = Datasets.load(format, Path.of(c.data), imageDir, Datasets.Split.TRAIN).limit(c.limitImages);
        CaptionDataset dev = devSet(c, format, imageDir);
        System.err.println(train.name() + ": " + train.report() + (dev == null ? "" : "; " + dev.name() + ": " + dev.report()));
        SparkSession session = spark.session("caption4j spark-train");
        try {
            encodeMissing(session, c, train, dev);
            SparkTrainer trainer = new SparkTrainer(session, c, train, dev, out).featureCache(cache)
                    .averagingFrequency(averagingFrequency).listener(new Progress());
            if (workers != null) {
                trainer.workers(workers);
            }
            if (maxSteps != null) {
                trainer.stopAfterSteps(maxSteps);
            }
            Checkpoint done;
            if (resume) {
                done = trainer.resume();
            } else {
                Vocabulary v = Trainer.vocabulary(train, c);
                if (c.embedding != EmbeddingMode.SCRATCH) {
                    WordVectors.Result wv = WordVectors.fromText(Path.of(c.wordVectors), v.words(), WordVectors.Unknown.RANDOM,
                            c.seed);
                    trainer.pretrainedEmbeddings(wv.matrix);
                }
                done = trainer.start(v);
            }
            TrainState s = done.state;
            System.out.println(s.finished ? "Finished after " + s.epoch + " epochs, " + s.step + " steps"
                    : "Stopped at epoch " + (s.epoch + 1) + ", step " + s.step + "; continue with --resume");
            if (s.bestEpoch > 0) {
                System.out.printf(Locale.ROOT, "Best by %s: epoch %d (dev loss %.4f, dev CIDEr-D %.4f): %s%n",
                        done.config.selectBy, s.bestEpoch, s.bestDevLoss, s.bestCiderD, out.resolve(Trainer.BEST));
            }
            return 0;
        } finally {
            session.stop();
        }
    }

    /** Encodes the train and dev images that are not in the cache yet, as a Spark job. */
    private void encodeMissing(SparkSession session, TrainConfig c, CaptionDataset train, CaptionDataset dev) throws IOException {
        FeatureCache entries = new FeatureCache(cache, FeatureSource.cacheKey(InceptionEncoders.of(c.encoderSpec()), c.pool));
        Set<String> missing = new LinkedHashSet<>();
        List<CaptionDataset.Example> all = new ArrayList<>(train.examples());
        if (dev != null) {
            all.addAll(dev.examples());
        }
        for (CaptionDataset.Example e : all) {
            Path p = e.image.toAbsolutePath().normalize();
            if (Files.isRegularFile(p) && !entries.contains(p + "#" + Files.size(p))) {
                missing.add(p.toUri().toString());
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        System.err.println("Encoding " + missing.size() + " images missing from the feature cache " + cache);
        SparkFeatureExtractor x = SparkFeatureExtractor.builder().optEncoder(c.encoderSpec().toString()).optPool(c.pool).build();
        int partitions = Math.max(1, Math.min(missing.size() / 8, 4 * session.sparkContext().defaultParallelism()));
        Dataset<Row> paths = session.createDataset(new ArrayList<>(missing), Encoders.STRING()).toDF("path")
                .repartition(partitions);
        System.err.println("Features: " + SparkJobs.count(x.toCache(x.encode(paths, "path"), cache.toString())));
    }

    /** flickr8k: its dev split; coco and file: devData if given, else none (as {@code caption4j train}). */
    private static CaptionDataset devSet(TrainConfig c, Datasets.Format format, Path images) {
        CaptionDataset dev;
        if (format == Datasets.Format.flickr8k) {
            dev = Datasets.load(format, Path.of(c.data), null, Datasets.Split.DEV);
        } else if (c.devData != null) {
            dev = Datasets.load(format, Path.of(c.devData), c.devImages != null ? Path.of(c.devImages) : images, null);
        } else {
            return null;
        }
        return dev.limit(c.limitImages == 0 ? 0 : Math.max(1, c.limitImages / 4));
    }

    private TrainConfig config() throws IOException {
        TrainConfig c = configFile != null ? TrainConfig.fromJson(Files.readString(configFile)) : new TrainConfig();
        if (dataset != null) c.dataset = dataset.name();
        if (data != null) c.data = data.toString();
        if (images != null) c.images = images.toString();
        if (devData != null) c.devData = devData.toString();
        if (devImages != null) c.devImages = devImages.toString();
        if (epochs != null) c.epochs = epochs;
        if (batchSize != null) c.batchSize = batchSize;
        if (learningRate != null) c.learningRate = learningRate;
        if (limitImages != null) c.limitImages = limitImages;
        if (checkpointSteps != null) c.checkpointEverySteps = checkpointSteps;
        if (checkpointMinutes != null) c.checkpointEveryMinutes = checkpointMinutes;
        if (seed != null) c.seed = seed;
        if (scst) c.scst = true;
        if (initFrom != null) c.initFrom = initFrom.toString();
        if (wordVectors != null) {
            c.wordVectors = wordVectors.toString();
            c.embeddingSize = WordVectors.dimension(wordVectors);
            c.embedding = EmbeddingMode.FINE_TUNE;
        }
        if (c.embedding != EmbeddingMode.SCRATCH && c.wordVectors == null) {
            throw new CaptionException("--embedding " + c.embedding + " needs --word-vectors");
        }
        return c;
    }

    /** A line per averaging round at most every 5 seconds, and each epoch's result. */
    static final class Progress implements TrainingListener {
        private int epoch, epochs, batches;
        private long last;

        @Override
        public void onEpochStart(int epoch, int epochs, int batches, TrainState state) {
            this.epoch = epoch;
            this.epochs = epochs;
            this.batches = batches;
        }

        @Override
        public void onBatch(TrainState s, double tokensPerSecond) {
            long now = System.nanoTime();
            if (now - last > 5e9 || s.batchInEpoch == batches) {
                last = now;
                System.err.printf(Locale.ROOT, "epoch %d/%d: batch %d/%d, step %d, loss %.4f, %.0f tokens/s%n", epoch, epochs,
                        s.batchInEpoch, batches, s.step, s.epochTrainLoss(), tokensPerSecond);
            }
        }

        @Override
        public void onEpochEnd(TrainState.EpochResult r) {
            System.err.println(r);
        }
    }
}
