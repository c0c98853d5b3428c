package io.caption4j.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.caption4j.core.data.CaptionBatcher;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.data.HorizontalFlip;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.core.train.ScheduledSampling;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.PenaltySource;
import org.apache.spark.api.java.function.Function;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One worker's share of a parameter-averaging round, run in a Spark task: the network of the round's parameters and
 * updater state, fitted on the worker's consecutive batches exactly as the single-machine {@code Trainer} fits a batch
 * (features from the {@link FeatureSpec}, flips, scheduled sampling and dropout seeded by the global step number), then
 * its parameters and updater state sent back for averaging. A task thread keeps its network between rounds (one
 * per configuration), so a round costs the arrays, not a network rebuild.
 */
final class TrainingWorker implements Function<TrainingWorker.Share, WorkerResult> {
    private static final long serialVersionUID = 1L;
    private static final ThreadLocal<Map<String, CaptionNetwork>> NETWORKS = ThreadLocal.withInitial(HashMap::new);

    /** One training pair, as a task receives it. */
    record Pair(String imageId, String image, String caption) implements Serializable {
    }

    /** A worker's batches of a round and the global step number of its first batch. */
    record Share(int worker, long firstStep, List<List<Pair>> batches) implements Serializable {
    }

    /** Called before each step on the worker (fault-injection tests); none by default. */
    interface StepHook extends Serializable {
        void beforeStep(long step);
    }

    private final RoundInput round;
    private final FeatureSpec features;
    private final StepHook hook;

    /** What every worker of a round shares: the run's settings and the round's starting point. */
    record RoundInput(String configJson, String networkJson, String vocabulary, float[] params, float[] updaterState,
                      int iteration, int epoch) implements Serializable {
    }

    TrainingWorker(RoundInput round, FeatureSpec features, StepHook hook) {
        this.round = round;
        this.features = features;
        this.hook = hook;
    }

    @Override
    public WorkerResult call(Share share) {
        TrainConfig c = TrainConfig.fromJson(round.configJson);
        CaptionNetwork net = network(round);
        Vocabulary vocabulary = Vocabulary.fromText(round.vocabulary);
        CaptionBatcher batcher = new CaptionBatcher(vocabulary, new Tokenizer(), c.maxLength);
        FeatureSource source = features.source();
        WorkerResult r = new WorkerResult();
        r.workers = 1;
        long step = share.firstStep;
        long t0 = System.nanoTime();
        for (List<Pair> batch : share.batches) {
            if (hook != null) {
                hook.beforeStep(step);
            }
            fit(c, net, batcher, source, batch, step, r);
            step++;
            r.batches++;
        }
        r.fitSeconds = (System.nanoTime() - t0) / 1e9;
        r.params = net.params().castTo(DataType.FLOAT).dup().data().asFloat();
        INDArray state = net.getUpdater(true).getStateViewArray();
        r.updaterState = state == null ? null : state.castTo(DataType.FLOAT).dup().data().asFloat();
        r.iterations = net.getConfiguration().getIterationCount();
        return r;
    }

    /** The task thread's network of this configuration, set to the round's parameters, updater state and counters. */
    private static CaptionNetwork network(RoundInput round) {
        Map<String, CaptionNetwork> mine = NETWORKS.get();
        if (!mine.containsKey(round.networkJson)) {
            mine.clear();                                      // another run's network: one per thread is enough
        }
        CaptionNetwork net = mine.computeIfAbsent(round.networkJson, json -> {
            CaptionNetwork n = new CaptionNetwork(ComputationGraphConfiguration.fromJson(json));
            n.init();
            return n;
        });
        net.setParams(Nd4j.create(round.params, new long[]{1, round.params.length}, 'c'));
        if (round.updaterState != null) {
            INDArray state = net.getUpdater(true).getStateViewArray();
            state.assign(Nd4j.create(round.updaterState, state.shape(), 'c'));
        }
        net.getConfiguration().setIterationCount(round.iteration);
        net.getConfiguration().setEpochCount(round.epoch);
        return net;
    }

    /** One optimiser step on the pairs whose images can be read, as {@code Trainer.trainBatch} does it. */
    private static void fit(TrainConfig c, CaptionNetwork net, CaptionBatcher batcher, FeatureSource source, List<Pair> pairs,
                            long step, WorkerResult r) {
        long stepSeed = c.seed * 1_000_003L + step;
        Random flips = c.horizontalFlip ? new Random(stepSeed ^ 0x5DEECE66DL) : null;
        Map<String, CaptionDataset.Example> examples = new HashMap<>();
        List<CaptionDataset.Example> order = new ArrayList<>();
        for (Pair p : pairs) {
            order.add(examples.computeIfAbsent(p.imageId + "\u0000" + p.image,
                    k -> new CaptionDataset.Example(p.imageId, Path.of(p.image), List.of(p.caption))));
        }
        Map<CaptionDataset.Example, EncodedImage> encoded = source.features(order);
        List<EncodedImage> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            EncodedImage e = encoded.get(order.get(i));
            if (e == null) {
                r.skippedPairs++;
                continue;
            }
            boolean flip = flips != null && flips.nextBoolean();
            images.add(flip ? HorizontalFlip.flip(e) : e);
            captions.add(flip ? HorizontalFlip.swapLeftRight(pairs.get(i).caption) : pairs.get(i).caption);
        }
        if (images.isEmpty()) {
            return;
        }
        MultiDataSet mds = batcher.batch(images, captions);
        if (c.scheduledSampling > 0) {
            ScheduledSampling.apply(net, mds, c.scheduledSampling, new Random(stepSeed));
        }
        Nd4j.getRandom().setSeed(stepSeed);                                     // dropout
        net.fit(mds);
        int b = (int) mds.getFeatures(0).size(0);
        double penalty = ((PenaltySource) net.getVertex(CaptionNetwork.DECODER)).penaltyScore();
        r.lossSum += (net.score() - penalty) * b;
        r.tokens += (long) mds.getLabelsMaskArray(0).sumNumber().doubleValue();
    }
}
