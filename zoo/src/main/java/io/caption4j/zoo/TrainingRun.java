package io.caption4j.zoo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.FeatureCache;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.core.train.Checkpoint;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.core.train.Trainer;
import io.caption4j.core.train.TrainingListener;
import io.caption4j.layers.EmbeddingMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training recipe behind {@code caption4j train}, as one call: from a {@link TrainConfig} to its data sets
 * (train, and dev for validation), its InceptionV3 encoder and cached feature pipeline, the vocabulary and word
 * vectors, and a {@link Trainer} writing checkpoints into a folder; or the continuation of a stopped run.
 * <pre>{@code
 * TrainConfig c = new TrainConfig();
 * c.data = "data/flickr8k";
 * Checkpoint last = TrainingRun.create(c, Path.of("runs/f8k")).run();
 * Checkpoint same = TrainingRun.resume(Path.of("runs/f8k")).run();     // after a stop, a crash or kill -9
 * }</pre>
 * Messages go to SLF4J; the optional settings are fluent setters, as on {@link Trainer}.
 */
public final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    /** Images per encoder batch unless {@link #encodeBatch(int)} says otherwise. */
    public static final int ENCODE_BATCH = 8;

    private final TrainConfig config;
    private final Checkpoint resumed;
    /** The trained run a fine-tuning stage starts from ({@link TrainConfig#initFrom}), or null. */
    private final Checkpoint init;
    private final Path outDir;
    private Path featureCache = defaultFeatureCache();
    private int encodeBatch = ENCODE_BATCH;
    private TrainingListener listener = TrainingListener.NONE;
    private long stopAfterSteps = Long.MAX_VALUE;

    private TrainingRun(TrainConfig config, Checkpoint resumed, Checkpoint init, Path outDir) {
        this.config = config;
        this.resumed = resumed;
        this.init = init;
        this.outDir = outDir;
    }

    /** A new run of the configuration (validated now; a CaptionException names a bad setting) into {@code outDir}. */
    public static TrainingRun create(TrainConfig config, Path outDir) {
        if (config.initFrom != null) {
            Checkpoint init = Checkpoint.load(Path.of(config.initFrom));
            return new TrainingRun(config.withModelOf(init.config).validate(), null, init, outDir);
        }
        return new TrainingRun(config.copy().validate(), null, null, outDir);
    }

    /** The run saved in {@code outDir} ({@value Trainer#LATEST}), to continue with the configuration it was started with. */
    public static TrainingRun resume(Path outDir) {
        Checkpoint latest = Checkpoint.load(outDir.resolve(Trainer.LATEST));
        latest.config.validate();
        return new TrainingRun(latest.config, latest, null, outDir);
    }

    /** The feature cache a run uses unless told otherwise: {@code features/} in the caption4j cache folder. */
    public static Path defaultFeatureCache() {
        return NsfwjsPackage.cacheDir().resolve("features");
    }

    /**
     * The feature pipeline of the recipe (also what evaluation and {@code caption4j features} use, so they share the
     * cache): the encoder's grid pooled k x k, cached in {@code cacheFolder} (null: encoded every time).
     */
    public static FeatureSource featureSource(ImageEncoder encoder, int poolWindow, Path cacheFolder, int encodeBatch) {
        FeatureCache cache = null;
        if (cacheFolder != null) {
            try {
                cache = new FeatureCache(cacheFolder, FeatureSource.cacheKey(encoder, poolWindow));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create the feature cache folder " + cacheFolder, e);
            }
        }
        return new FeatureSource(encoder, poolWindow, cache, new ImageLoader(), encodeBatch);
    }

    /** The configuration the run trains with (a new run's validated copy, or the one its checkpoint saved). */
    public TrainConfig config() {
        return config;
    }

    /** Where encoded images are cached (default {@link #defaultFeatureCache()}; null: no cache). */
    public TrainingRun featureCache(Path folder) {
        this.featureCache = folder;
        return this;
    }

    /** Images per encoder batch (default {@value #ENCODE_BATCH}). */
    public TrainingRun encodeBatch(int images) {
        this.encodeBatch = images;
        return this;
    }

    /** Receives the run's progress: encoding, batches, epochs (default: none; the command line draws bars). */
    public TrainingRun listener(TrainingListener listener) {
        this.listener = listener;
        return this;
    }

    /** Stops (with a checkpoint) once this many steps are done in total, for time-boxed runs. */
    public TrainingRun stopAfterSteps(long steps) {
        this.stopAfterSteps = steps;
        return this;
    }

    /**
     * Trains until the configured epochs are done, early stopping ends the run or {@link #stopAfterSteps} is reached;
     * returns the last checkpoint (its state says which). A new run refuses a folder that holds a checkpoint.
     */
    public Checkpoint run() throws IOException {
        TrainConfig c = config;
        FeatureSource features = featureSource(InceptionEncoders.of(c.encoderSpec()), c.pool, featureCache, encodeBatch);
        Datasets.Format format = Datasets.Format.valueOf(c.dataset);
        Path images = c.images == null ? null : Path.of(c.images);
        CaptionDataset train = loaded(Datasets.load(format, Path.of(c.data), images, Datasets.Split.TRAIN)).limit(c.limitImages);
        CaptionDataset dev = devSet(format, images);
        Trainer trainer = new Trainer(c, train, dev, features, outDir).listener(listener).stopAfterSteps(stopAfterSteps);
        if (resumed != null) {
            return trainer.resume(resumed);
        }
        Files.createDirectories(outDir);
        if (init != null) {
            LOG.info("Fine-tuning {} ({} words){}", c.initFrom, init.vocabulary.size(),
                    c.scst ? " by self-critical training" : "");
            features.precompute(train.examples(), "train features", listener);
            if (dev != null) {
                features.precompute(dev.examples(), "dev features", listener);
            }
            return trainer.fineTune(init);
        }
        Vocabulary vocabulary = Trainer.vocabulary(train, c);
        LOG.info("Vocabulary: {} words (min count {}, at most {})", vocabulary.size(), c.minCount, c.maxWords);
        if (c.embedding != EmbeddingMode.SCRATCH) {
            WordVectors.Result wv = WordVectors.fromText(Path.of(c.wordVectors), vocabulary.words(), WordVectors.Unknown.RANDOM,
                    c.seed);
            LOG.info(wv.report());
            trainer.pretrainedEmbeddings(wv.matrix);
        }
        LOG.info("Precomputing features (cached in the feature cache; an interrupted run keeps what is done)");
        features.precompute(train.examples(), "train features", listener);
        if (dev != null) {
            features.precompute(dev.examples(), "dev features", listener);
        }
        return trainer.start(vocabulary);
    }

    /** flickr8k: its dev split; coco and file: devData if given (its images in devImages, else images), else none. */
    private CaptionDataset devSet(Datasets.Format format, Path images) {
        TrainConfig c = config;
        CaptionDataset dev;
        if (format == Datasets.Format.flickr8k) {
            dev = Datasets.load(format, Path.of(c.data), null, Datasets.Split.DEV);
        } else if (c.devData != null) {
            dev = Datasets.load(format, Path.of(c.devData), c.devImages != null ? Path.of(c.devImages) : images, null);
        } else {
            return null;
        }
        return loaded(dev).limit(c.limitImages == 0 ? 0 : Math.max(1, c.limitImages / 4));
    }

    private static CaptionDataset loaded(CaptionDataset d) {
        LOG.info("{}: {}", d.name(), d.report());
        return d;
    }
}
