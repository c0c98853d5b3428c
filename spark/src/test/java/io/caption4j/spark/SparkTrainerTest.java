package io.caption4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.caption4j.core.CaptionException;
import io.caption4j.core.ProgressListener;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.core.train.Checkpoint;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.core.train.TrainState;
import io.caption4j.core.train.Trainer;
import io.caption4j.zoo.InceptionEncoders;
import io.caption4j.zoo.NsfwjsPackage;
import io.caption4j.zoo.TrainingRun;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Data-parallel training by parameter averaging in local mode (2 threads, 2 attempts per task) on 12 real Flickr8k
 * images (InceptionV3 mixed5 features, computed into a temporary cache), with a small network: the dev loss of 2
 * workers goes down; one worker gives the single-machine Trainer's parameters; a stopped run resumes to the same
 * result; a failed task is retried by Spark to the same result, and a failing one stops the run with a clear message
 * and the last checkpoint intact; self-critical training and --init-from, which only the single-machine trainer does,
 * are refused with the reason, also when a checkpoint asks for them.
 */
class SparkTrainerTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static CaptionDataset train, dev;
    static Path cache;
    static FeatureSource features;

    @BeforeAll
    static void setUp() {
        Path root = LocalSpark.data("flickr8k");
        assumeTrue(Files.isDirectory(root), "../shared/data/flickr8k is absent: skipping the Spark training test");
        assumeTrue(Files.isRegularFile(NsfwjsPackage.tarball()), "nsfwjs@4.4.0 is not in the cache: skipping");
        train = Datasets.flickr8k(root, Datasets.Split.TRAIN).limit(12);
        dev = Datasets.flickr8k(root, Datasets.Split.DEV).limit(6);
        cache = tmp.resolve("cache");
        TrainConfig c = config();
        features = TrainingRun.featureSource(InceptionEncoders.of(c.encoderSpec()), c.pool, cache, 8);
        List<CaptionDataset.Example> all = new ArrayList<>(train.examples());
        all.addAll(dev.examples());
        features.precompute(all, "features", ProgressListener.NONE);
        spark = LocalSpark.session("local[2,2]");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static TrainConfig config() {
        TrainConfig c = new TrainConfig();
        c.projectionSize = 64;
        c.hiddenSize = 64;
        c.attentionSize = 64;
        c.embeddingSize = 32;
        c.outputHiddenSize = 64;
        c.minCount = 1;
        c.batchSize = 8;
        c.maxLength = 20;
        c.learningRate = 3e-3;
        c.horizontalFlip = true;                 // flips and dropout: the per-step seeds must match too
        c.checkpointEverySteps = 0;
        c.checkpointEveryMinutes = 0;
        c.validationImages = 6;
        return c;
    }

    private static SparkTrainer spark(TrainConfig c, Path out) {
        return new SparkTrainer(spark, c, train, dev, out).featureCache(cache);
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void twoWorkersLowerTheDevLossAndAStoppedRunResumesToTheSameResult() {
        TrainConfig c = config();
        c.epochs = 3;
        Vocabulary v = Trainer.vocabulary(train, c);
        Checkpoint done = spark(c, tmp.resolve("two")).workers(2).averagingFrequency(2).start(v);
        TrainState s = done.state;
        assertTrue(s.finished);
        assertEquals(3, s.history.size());
        assertEquals(3 * 8, s.step, "8 batches an epoch");
        double first = s.history.get(0).devLoss, second = s.history.get(1).devLoss;    // 12 images overfit after that
        assertTrue(second < first - 0.1, "dev loss " + first + " -> " + second);
        assertTrue(s.bestEpoch >= 2, "best epoch " + s.bestEpoch);
        assertEquals(s.bestEpoch, Checkpoint.load(tmp.resolve("two").resolve(Trainer.BEST)).state.bestEpoch);

        Path out = tmp.resolve("resumed");
        Checkpoint stopped = spark(c, out).workers(2).averagingFrequency(2).stopAfterSteps(12).start(v);
        assertEquals(12, stopped.state.step);
        assertEquals(12, Checkpoint.load(out.resolve(Trainer.LATEST)).state.step);
        Checkpoint resumed = spark(c, out).workers(2).averagingFrequency(2).resume();
        assertTrue(resumed.state.finished);
        assertEquals(0, maxDiff(done.network.params(), resumed.network.params()), 1e-6, "resume continues exactly");
    }

    @Test
    void oneWorkerMatchesSingleMachineTraining() {
        TrainConfig c = config();
        c.epochs = 2;
        Vocabulary v = Trainer.vocabulary(train, c);
        Checkpoint single = new Trainer(c, train, dev, features, tmp.resolve("single")).stopAfterSteps(11).start(v);
        // rounds of 3 batches: 3, 3, 2 in epoch 1 (8 batches), then 3: step 11 mid-epoch 2
        Checkpoint one = spark(c, tmp.resolve("one")).workers(1).averagingFrequency(3).stopAfterSteps(11).start(v);
        assertEquals(11, single.state.step);
        assertEquals(11, one.state.step);
        double diff = maxDiff(single.network.params(), one.network.params());
        assertTrue(diff < 1e-5, "max |single - spark| " + diff);
        assertEquals(single.state.history.get(0).devLoss, one.state.history.get(0).devLoss, 1e-5);
        assertEquals(single.state.history.get(0).trainLoss, one.state.history.get(0).trainLoss, 1e-5);
    }

    /** Fails the first attempt of the task that reaches the step. */
    record FailOnce(long step) implements TrainingWorker.StepHook {
        @Override
        public void beforeStep(long s) {
            if (s == step && TaskContext.get().attemptNumber() == 0) {
                throw new IllegalStateException("injected failure at step " + s);
            }
        }
    }

    /** Fails every attempt of the task that reaches the step. */
    record FailAlways(long step) implements TrainingWorker.StepHook {
        @Override
        public void beforeStep(long s) {
            if (s == step) {
                throw new IllegalStateException("injected failure at step " + s);
            }
        }
    }

    @Test
    void aFailedTaskIsRetriedAndAFailingOneStopsTheRunWithTheCheckpointIntact() throws Exception {
        TrainConfig c = config();
        c.epochs = 1;
        c.checkpointEverySteps = 4;
        Vocabulary v = Trainer.vocabulary(train, c);
        Checkpoint plain = spark(c, tmp.resolve("plain")).workers(2).averagingFrequency(2).start(v);
        Checkpoint retried = spark(c, tmp.resolve("retried")).workers(2).averagingFrequency(2).stepHook(new FailOnce(5))
                .start(v);
        assertEquals(0, maxDiff(plain.network.params(), retried.network.params()), 1e-6, "the retried task redoes its share");

        Path out = tmp.resolve("failing");
        SparkTrainer failing = spark(c, out).workers(2).averagingFrequency(2).stepHook(new FailAlways(5));
        CaptionException e = assertThrows(CaptionException.class, () -> failing.start(v));
        assertTrue(e.getMessage().contains("a worker failed at epoch 1, steps 5-8"), e.getMessage());
        assertTrue(e.getMessage().contains("injected failure at step 5"), e.getMessage());
        assertTrue(e.getMessage().contains("is as it was"), e.getMessage());
        Checkpoint last = Checkpoint.load(out.resolve(Trainer.LATEST));
        assertEquals(4, last.state.step, "the checkpoint of the last good round");
        Checkpoint resumed = spark(c, out).workers(2).averagingFrequency(2).resume();
        assertEquals(0, maxDiff(plain.network.params(), resumed.network.params()), 1e-6, "and it resumes to the same end");
    }

    @Test
    void selfCriticalTrainingAndInitFromAreRefusedWithTheReason() throws Exception {
        TrainConfig c = config();
        c.scst = true;
        CaptionException scst = assertThrows(CaptionException.class, () -> spark(c, tmp.resolve("scst")));
        assertTrue(scst.getMessage().startsWith("Self-critical training (--scst) does not run on Spark"), scst.getMessage());
        assertTrue(scst.getMessage().contains("caption4j train --scst --init-from"), scst.getMessage());
        c.scst = false;
        c.initFrom = tmp.resolve("best.zip").toString();
        CaptionException init = assertThrows(CaptionException.class, () -> spark(c, tmp.resolve("init")));
        assertTrue(init.getMessage().startsWith("--init-from (a fine-tuning stage from "), init.getMessage());

        // the checkpoint of a single-machine self-critical run: resuming it on Spark is refused, not run as cross-entropy
        TrainConfig plain = config();
        TrainConfig selfCritical = config();
        selfCritical.scst = true;
        Vocabulary v = Trainer.vocabulary(train, plain);
        Path out = Files.createDirectories(tmp.resolve("scst-run"));
        new Checkpoint(selfCritical, new TrainState(), v, Trainer.network(plain, v, new long[]{288, 288, 81}, null))
                .save(out.resolve(Trainer.LATEST));
        CaptionException resume = assertThrows(CaptionException.class, () -> spark(plain, out).resume());
        assertTrue(resume.getMessage().startsWith("Self-critical training (--scst) does not run on Spark"), resume.getMessage());
    }
}
