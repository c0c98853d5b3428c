package io.caption4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.caption4j.core.CaptionException;
import io.caption4j.core.data.CaptionBatcher;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.EpochSampler;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.core.train.Checkpoint;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.core.train.TrainState;
import io.caption4j.core.train.Trainer;
import io.caption4j.core.train.TrainingListener;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.zoo.InceptionEncoders;
import io.caption4j.zoo.TrainingRun;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training of the caption network on Spark by parameter averaging, the algorithm of dl4j-spark's
 * {@code ParameterAveragingTrainingMaster} (which does not run on this DL4J: README, "Scale out"): in each round the
 * driver broadcasts the parameters and the Adam state, each of {@code workers} Spark tasks fits its next
 * {@code averagingFrequency} batches from there, and the driver averages the workers' parameters and updater states.
 * <p>Everything else is the single-machine {@link Trainer}'s: the same {@link TrainConfig}, epochs of length-grouped
 * batches, each step's flips, scheduled sampling and dropout seeded by its global step number (so one worker gives
 * the single-machine result), validation and {@value Trainer#BEST} after each epoch, early stopping, and checkpoints
 * ({@value Trainer#LATEST}) that {@code caption4j train --resume} and {@link #resume()} continue. Only the driver writes
 * checkpoints, between rounds: a round that fails on a worker (after Spark's task retries) stops the run with a
 * {@link CaptionException} and leaves the last checkpoint as it was.
 * <p>Cross-entropy training only: self-critical fine-tuning ({@link TrainConfig#scst}) and starting from a trained
 * run ({@link TrainConfig#initFrom}) run on one machine ({@code caption4j train --scst --init-from ...}); a
 * configuration or checkpoint that asks for them is refused with a CaptionException ({@link #checkSupported}).
 */
public final class SparkTrainer {
    private static final Logger log = LoggerFactory.getLogger(SparkTrainer.class);
    /** Batches per pool of length-sorted pairs, as the single-machine trainer groups them. */
    static final int LENGTH_POOL = 50;

    private final SparkSession spark;
    private final TrainConfig config;
    private final CaptionDataset train, dev;
    private final Path outDir;
    private final Tokenizer tokenizer = new Tokenizer();
    private int workers;
    private int averagingFrequency = 5;
    private Path featureCache = TrainingRun.defaultFeatureCache();
    private int encodeBatch = TrainingRun.ENCODE_BATCH;
    private INDArray pretrained;
    private TrainingListener listener = TrainingListener.NONE;
    private long stopAfterSteps = Long.MAX_VALUE;
    private TrainingWorker.StepHook hook;
    private FeatureSource features;
    private double roundSeconds, fitSeconds;
    private int rounds;

    /**
     * @param config the run's configuration (ignored on resume: the checkpoint's own is used)
     * @param dev the dev split for validation, or null for none
     * @param outDir where checkpoints go (on the driver)
     */
    public SparkTrainer(SparkSession spark, TrainConfig config, CaptionDataset train, CaptionDataset dev, Path outDir) {
        checkSupported(config);
        this.spark = spark;
        this.config = config.copy().validate();
        this.train = train;
        this.dev = dev;
        this.outDir = outDir;
        this.workers = spark.sparkContext().defaultParallelism();
    }

    /**
     * A CaptionException when the configuration asks for what parameter averaging here does not do: self-critical
     * training (its workers would need the sampling and CIDEr-D rewards of {@code SelfCritical}, and its batches are
     * images, not caption pairs) or a fine-tuning stage from a trained run (Adam restarted on the trained network).
     */
    public static void checkSupported(TrainConfig c) {
        if (c.scst) {
            throw new CaptionException("Self-critical training (--scst) does not run on Spark: SparkTrainer averages "
                    + "cross-entropy training only. Train the cross-entropy stage on Spark, then fine-tune its best.zip on one "
                    + "machine: caption4j train --scst --init-from RUN/best.zip ...");
        }
        if (c.initFrom != null) {
            throw new CaptionException("--init-from (a fine-tuning stage from " + c.initFrom + ") does not run on Spark: "
                    + "SparkTrainer starts new runs or resumes its own (--resume); fine-tune on one machine with caption4j train "
                    + "--init-from");
        }
    }

    /** Workers per round (default: Spark's default parallelism, the cores of the cluster). */
    public SparkTrainer workers(int n) {
        if (n < 1) {
            throw new CaptionException("workers must be >= 1, got " + n);
        }
        this.workers = n;
        return this;
    }

    /** Batches each worker fits between two averagings (default 5, dl4j-spark's default). */
    public SparkTrainer averagingFrequency(int batches) {
        if (batches < 1) {
            throw new CaptionException("averagingFrequency must be >= 1, got " + batches);
        }
        this.averagingFrequency = batches;
        return this;
    }

    /**
     * The feature cache folder of the driver and the workers (default {@link TrainingRun#defaultFeatureCache()}; on a
     * cluster a shared mount, filled by {@code spark-features}); null: encode every time.
     */
    public SparkTrainer featureCache(Path folder) {
        this.featureCache = folder;
        return this;
    }

    /** Images per encoder batch where features are missing (default {@value TrainingRun#ENCODE_BATCH}). */
    public SparkTrainer encodeBatch(int images) {
        this.encodeBatch = images;
        return this;
    }

    /** The word vectors [vocabulary size, embeddingSize] for FROZEN or FINE_TUNE, in the vocabulary's order. */
    public SparkTrainer pretrainedEmbeddings(INDArray matrix) {
        this.pretrained = matrix;
        return this;
    }

    /** Who hears the run's progress: one {@code onBatch} per round (default: nobody). */
    public SparkTrainer listener(TrainingListener listener) {
        this.listener = listener;
        return this;
    }

    /** Stops (with a checkpoint) after the round in which this many steps are done in total. */
    public SparkTrainer stopAfterSteps(long steps) {
        this.stopAfterSteps = steps;
        return this;
    }

    /**
     * Where the rounds' time went so far: {rounds, wall seconds of the rounds, seconds of their slowest worker's fitting};
     * the difference of the last two is the averaging's cost (broadcast, task start, collecting, averaging).
     */
    public double[] roundTimes() {
        return new double[]{rounds, roundSeconds, fitSeconds};
    }

    /** For fault-injection tests: runs on the worker before each step. */
    SparkTrainer stepHook(TrainingWorker.StepHook hook) {
        this.hook = hook;
        return this;
    }

    private FeatureSpec featureSpec(TrainConfig c) {
        return new FeatureSpec(c.encoderSpec().toString(), c.pool, featureCache == null ? null : featureCache.toString(),
                encodeBatch);
    }

    private FeatureSource features(TrainConfig c) {
        if (features == null) {
            features = TrainingRun.featureSource(InceptionEncoders.of(c.encoderSpec()), c.pool, featureCache, encodeBatch);
        }
        return features;
    }

    /** Starts a fresh run of the configuration's network; refuses to overwrite an existing checkpoint. */
    public Checkpoint start(Vocabulary vocabulary) {
        return start(vocabulary, null);
    }

    /** Starts a fresh run of a network of your own (null: the configuration's); refuses an existing checkpoint. */
    public Checkpoint start(Vocabulary vocabulary, CaptionNetwork network) {
        if (Files.exists(outDir.resolve(Trainer.LATEST))) {
            throw new CaptionException(outDir.resolve(Trainer.LATEST) + " exists: resume it, or train into another folder");
        }
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + outDir, e);
        }
        CaptionNetwork net = network != null ? network : Trainer.network(config, vocabulary, featureSizes(config), pretrained);
        return run(new Checkpoint(config, new TrainState(), vocabulary, net));
    }

    /** Continues the run saved in {@code outDir}. */
    public Checkpoint resume() {
        Checkpoint c = Checkpoint.load(outDir.resolve(Trainer.LATEST));
        checkSupported(c.config);                           // a single-machine self-critical run's checkpoint
        if (c.state.finished) {
            log.info("The run in {} has finished ({} epochs)", outDir, c.state.epoch);
            return c;
        }
        log.info("Resuming {} at epoch {}, batch {}, step {}", outDir.resolve(Trainer.LATEST), c.state.epoch + 1,
                c.state.batchInEpoch, c.state.step);
        return run(c);
    }

    private long[] featureSizes(TrainConfig c) {
        return Trainer.featureSizes(train, features(c));
    }

    /** Trains epoch after epoch until the last one, an early stop or the step limit. */
    private Checkpoint run(Checkpoint ck) {
        long started = System.nanoTime(), lastSave = started;
        double secondsBefore = ck.state.seconds;
        CaptionBatcher batcher = new CaptionBatcher(ck.vocabulary, tokenizer, ck.config.maxLength);
        while (ck.state.epoch < ck.config.epochs && !ck.state.finished) {
            int epoch = ck.state.epoch + 1;
            TrainState s = ck.state;
            List<List<EpochSampler.Pair>> batches = EpochSampler.lengthBatches(
                    EpochSampler.epoch(train, ck.config.pairsPerEpoch, ck.config.seed + epoch), ck.config.batchSize, LENGTH_POOL,
                    caption -> tokenizer.tokenize(caption).size(), ck.config.seed + epoch);
            ck.network.getConfiguration().setEpochCount(epoch - 1);    // the learning-rate schedule's epoch
            listener.onEpochStart(epoch, ck.config.epochs, batches.size(), s);
            long epochStart = System.nanoTime(), tokens = 0;
            boolean limit = false;
            try {
                while (s.batchInEpoch < batches.size()) {
                    int n = Math.min(workers * averagingFrequency, batches.size() - s.batchInEpoch);
                    long before = s.step;
                    WorkerResult r = round(ck, batches.subList(s.batchInEpoch, s.batchInEpoch + n), epoch);
                    s.step += n;
                    s.batchInEpoch += n;
                    s.epochLossSum += r.lossSum;
                    s.epochTokens += r.tokens;
                    s.epochSkippedPairs += r.skippedPairs;
                    tokens += r.tokens;
                    long now = System.nanoTime();
                    listener.onBatch(s, tokens / Math.max((now - epochStart) / 1e9, 1e-9));
                    limit = s.step >= stopAfterSteps;
                    boolean dueSteps = ck.config.checkpointEverySteps > 0
                            && s.step / ck.config.checkpointEverySteps > before / ck.config.checkpointEverySteps;
                    boolean dueTime = ck.config.checkpointEveryMinutes > 0
                            && (now - lastSave) / 6e10 >= ck.config.checkpointEveryMinutes;
                    if (limit || ((dueSteps || dueTime) && s.batchInEpoch < batches.size())) {
                        s.seconds = secondsBefore + (now - started) / 1e9;
                        save(ck, Trainer.LATEST);
                        lastSave = now;
                        if (limit) {
                            return ck;
                        }
                    }
                }
            } finally {
                listener.onEpochBatchesEnd(s);
            }
            TrainState.EpochResult r = endEpoch(ck, epoch, batcher);
            s.seconds = secondsBefore + (System.nanoTime() - started) / 1e9;
            save(ck, Trainer.LATEST);
            lastSave = System.nanoTime();
            listener.onEpochEnd(r);
        }
        return ck;
    }

    /**
     * One parameter-averaging round: the batches cut into consecutive shares of {@code averagingFrequency} for up to
     * {@code workers} tasks, each fitted from the current parameters, then averaged into the driver's network.
     */
    private WorkerResult round(Checkpoint ck, List<List<EpochSampler.Pair>> batches, int epoch) {
        CaptionNetwork net = ck.network;
        List<TrainingWorker.Share> shares = new ArrayList<>();
        for (int i = 0, w = 0; i < batches.size(); i += averagingFrequency, w++) {
            List<List<TrainingWorker.Pair>> mine = new ArrayList<>();
            for (List<EpochSampler.Pair> b : batches.subList(i, Math.min(batches.size(), i + averagingFrequency))) {
                List<TrainingWorker.Pair> pairs = new ArrayList<>(b.size());
                for (EpochSampler.Pair p : b) {
                    pairs.add(new TrainingWorker.Pair(p.example.imageId, p.example.image.toString(), p.caption));
                }
                mine.add(pairs);
            }
            shares.add(new TrainingWorker.Share(w, ck.state.step + i, mine));
        }
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        conf.setIterationCount(0);
        conf.setEpochCount(0);
        INDArray state = net.getUpdater(true).getStateViewArray();
        TrainingWorker.RoundInput input = new TrainingWorker.RoundInput(ck.config.toJson(), conf.toJson(),
                ck.vocabulary.toText(), net.params().castTo(DataType.FLOAT).dup().data().asFloat(),
                state == null ? null : state.castTo(DataType.FLOAT).dup().data().asFloat(),
                net.getConfiguration().getIterationCount(), epoch - 1);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<TrainingWorker.RoundInput> shared = sc.broadcast(input);
        FeatureSpec spec = featureSpec(ck.config);
        TrainingWorker.StepHook stepHook = hook;
        WorkerResult sum;
        long t0 = System.nanoTime();
        try {
            sc.setJobDescription("caption4j training: epoch " + epoch + ", steps " + (ck.state.step + 1) + "-"
                    + (ck.state.step + batches.size()));
            sum = sc.parallelize(shares, shares.size())
                    .map(share -> new TrainingWorker(shared.value(), spec, stepHook).call(share))
                    .treeReduce(WorkerResult::add);
        } catch (Exception e) {                      // SparkException (checked, undeclared): the tasks failed
            throw new CaptionException("Training stopped: a worker failed at epoch " + epoch + ", steps " + (ck.state.step + 1)
                    + "-" + (ck.state.step + batches.size()) + " after Spark's task retries (spark.task.maxFailures): "
                    + rootMessage(e) + ". The last checkpoint (" + outDir.resolve(Trainer.LATEST) + ") is as it was: fix the "
                    + "cause and resume", e);
        } finally {
            shared.destroy();
        }
        average(net, sum);
        rounds++;
        roundSeconds += (System.nanoTime() - t0) / 1e9;
        fitSeconds += sum.fitSeconds;
        return sum;
    }

    /** The averaged parameters and updater state of the workers, into the driver's network. */
    static void average(CaptionNetwork net, WorkerResult sum) {
        float[] p = sum.params;
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum.workers;
        }
        net.setParams(Nd4j.create(p, new long[]{1, p.length}, 'c'));
        if (sum.updaterState != null) {
            float[] u = sum.updaterState;
            for (int i = 0; i < u.length; i++) {
                u[i] /= sum.workers;
            }
            INDArray state = net.getUpdater(true).getStateViewArray();
            state.assign(Nd4j.create(u, state.shape(), 'c'));
        }
        net.getConfiguration().setIterationCount((int) sum.iterations);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? "" : t.getMessage().split("\n")[0];
        return t.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
    }

    /** Validates an epoch on the driver, records it, and writes {@value Trainer#BEST} when it is the best so far. */
    private TrainState.EpochResult endEpoch(Checkpoint ck, int epoch, CaptionBatcher batcher) {
        TrainConfig c = ck.config;
        TrainState s = ck.state;
        TrainState.EpochResult r = new TrainState.EpochResult();
        r.epoch = epoch;
        r.step = s.step;
        r.trainLoss = s.epochTrainLoss();
        r.skippedPairs = s.epochSkippedPairs;
        r.learningRate = c.learningRate * Math.pow(c.learningRateDecay, epoch - 1);
        long t0 = System.nanoTime();
        boolean improved = false;
        Trainer.scoreOnDev(r, ck, dev, features(c), batcher, tokenizer, listener);
        if (dev != null) {
            improved = c.selectBy == TrainConfig.Selection.CIDER_D ? r.ciderD > s.bestCiderD : r.devLoss < s.bestDevLoss;
            if (improved) {
                s.bestDevLoss = r.devLoss;
                s.bestCiderD = r.ciderD;
                s.bestEpoch = epoch;
                s.epochsWithoutImprovement = 0;
            } else {
                s.epochsWithoutImprovement++;
            }
        }
        r.seconds = (System.nanoTime() - t0) / 1e9;
        s.history.add(r);
        log.info("{}", r);
        s.epoch = epoch;
        s.batchInEpoch = 0;
        s.epochLossSum = 0;
        s.epochTokens = 0;
        s.epochSkippedPairs = 0;
        boolean stopEarly = c.earlyStoppingPatience > 0 && s.epochsWithoutImprovement >= c.earlyStoppingPatience;
        s.finished = s.epoch >= c.epochs || stopEarly;
        if (improved) {
            save(ck, Trainer.BEST);
        }
        if (stopEarly) {
            log.info("Stopping early: no better dev {} for {} epochs (best: epoch {})", c.selectBy, s.epochsWithoutImprovement,
                    s.bestEpoch);
        }
        return r;
    }

    private void save(Checkpoint ck, String name) {
        try {
            ck.save(outDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write checkpoint " + outDir.resolve(name), e);
        }
    }
}
