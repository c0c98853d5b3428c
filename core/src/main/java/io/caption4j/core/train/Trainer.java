package io.caption4j.core.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.caption4j.core.CaptionException;
import io.caption4j.core.data.CaptionBatcher;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.EpochSampler;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.internal.DecoderChecks;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoder;
import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.EmbeddingMode;
import io.caption4j.layers.FeatureProjection;
import io.caption4j.layers.PenaltySource;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a captioner: dataset -> {@link FeatureSource} (loader, encoder, pooling, cache) -> {@link CaptionBatcher}
 * -> {@link CaptionNetwork} with Adam, per-epoch learning-rate decay, gradient clipping, feature dropout, the
 * attention penalty and optional scheduled sampling. Batches group captions of similar length (less padding). After
 * each epoch it measures the dev loss and the metrics of decoded dev captions, keeps the lowest-dev-loss network in
 * {@value #BEST}, and can stop early ({@link EarlyStopping}).
 * <p>Checkpoints ({@value #LATEST}) are written atomically every N steps or minutes ({@link CheckpointSchedule}) and
 * after every epoch. Each step's randomness (epoch order, dropout, scheduled sampling) is derived from the seed and
 * the step number, so a resumed run continues exactly as an uninterrupted one would have.
 * <p>Messages go to SLF4J; progress goes to a {@link TrainingListener}.
 */
public final class Trainer {
    public static final String LATEST = "checkpoint.zip", BEST = "best.zip";
    /** Batches per pool of length-sorted pairs (see {@link EpochSampler#lengthBatches}). */
    static final int LENGTH_POOL = 50;
    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    private final TrainConfig config;
    private final CaptionDataset train, dev;
    private final FeatureSource features;
    private final Path outDir;
    private final Tokenizer tokenizer = new Tokenizer();
    private INDArray pretrained;
    private TrainingListener listener = TrainingListener.NONE;
    private long stopAfterSteps = Long.MAX_VALUE;
    private SelfCritical selfCritical;

    /**
     * @param config the run's configuration (ignored on resume: the checkpoint's own is used)
     * @param dev the dev split for validation, or null for none (then no early stopping and no best model)
     * @param outDir where checkpoints go
     */
    public Trainer(TrainConfig config, CaptionDataset train, CaptionDataset dev, FeatureSource features, Path outDir) {
        this.config = config.copy().validate();
        this.train = train;
        this.dev = dev;
        this.features = features;
        this.outDir = outDir;
    }

    /** The word vectors [vocabulary size, embeddingSize] for FROZEN or FINE_TUNE, in the vocabulary's order. */
    public Trainer pretrainedEmbeddings(INDArray matrix) {
        this.pretrained = matrix;
        return this;
    }

    /** Who hears the run's progress (default: nobody). */
    public Trainer listener(TrainingListener listener) {
        this.listener = listener;
        return this;
    }

    /** Stops (with a checkpoint) once this many steps are done in total; for tests and time-boxed runs. */
    public Trainer stopAfterSteps(long steps) {
        this.stopAfterSteps = steps;
        return this;
    }

    /** The vocabulary a fresh run would build from the training captions. */
    public static Vocabulary vocabulary(CaptionDataset train, TrainConfig config) {
        Tokenizer tokenizer = new Tokenizer();
        List<List<String>> captions = new ArrayList<>();
        for (CaptionDataset.Example e : train.examples()) {
            for (String c : e.captions) {
                captions.add(tokenizer.tokenize(c));
            }
        }
        return Vocabulary.build(captions, config.minCount, config.maxWords);
    }

    /** Starts a fresh run; refuses to overwrite an existing checkpoint. */
    public Checkpoint start(Vocabulary vocabulary) {
        if (Files.exists(outDir.resolve(LATEST))) {
            throw new CaptionException(outDir.resolve(LATEST) + " exists: resume it, or train into another folder");
        }
        CaptionNetwork net = network(config, vocabulary, featureSizes(), pretrained);
        return run(new Checkpoint(config, new TrainState(), vocabulary, net));
    }

    /**
     * Starts a fresh run of a network of your own (a custom feature layer, a GRU, other sizes) with everything the
     * built-in one gets: checkpoints, resume, validation, model selection and early stopping. The network keeps its own
     * updater: build it with {@link #updater(TrainConfig)} for the configuration's learning-rate schedule. The
     * configuration's network settings (sizes, cell, dropout, ...) are not used; refuses an existing checkpoint.
     */
    public Checkpoint start(Vocabulary vocabulary, CaptionNetwork network) {
        if (Files.exists(outDir.resolve(LATEST))) {
            throw new CaptionException(outDir.resolve(LATEST) + " exists: resume it, or train into another folder");
        }
        if (network == null || vocabulary == null) {
            throw new CaptionException("start needs a vocabulary and a network");
        }
        checkCompatible(network, featureSizes(), vocabulary.size());
        return run(new Checkpoint(config, new TrainState(), vocabulary, network));
    }

    /** A CaptionException unless the network reads these features and predicts this vocabulary. */
    static void checkCompatible(CaptionNetwork network, long[] featureSizes, int vocabularySize) {
        AttentionDecoder dec = DecoderChecks.decoder(network, vocabularySize);
        if (dec.getPooledSize() != featureSizes[1]) {
            throw new CaptionException("The network expects a pooled vector of " + dec.getPooledSize()
                    + " but the encoder gives " + featureSizes[1] + ": build it with pooledSize(" + featureSizes[1] + ")");
        }
        if (dec.getRegions() > 0 && dec.getRegions() != featureSizes[2]) {
            throw new CaptionException("The network expects " + dec.getRegions() + " feature regions but the encoder and "
                    + "pooling give " + featureSizes[2] + ": build it with regions(" + featureSizes[2] + ") or regions(0)");
        }
        if (network.getVertex(CaptionNetwork.FEATURE_LAYER) == null) {
            long nIn = ((FeatureProjection) network.getLayer(CaptionNetwork.PROJECTION).conf().getLayer()).getNIn();
            if (nIn != featureSizes[0]) {
                throw new CaptionException("The network expects " + nIn + " feature channels but the encoder gives "
                        + featureSizes[0] + ": build it with featureSize(" + featureSizes[0] + ")");
            }
        }
    }

    /**
     * Starts a new run from a trained run's network and vocabulary: a fine-tuning stage such as self-critical training
     * ({@link TrainConfig#scst}). The network's Adam starts afresh with this configuration's learning-rate schedule;
     * refuses an existing checkpoint.
     */
    public Checkpoint fineTune(Checkpoint from) {
        if (Files.exists(outDir.resolve(LATEST))) {
            throw new CaptionException(outDir.resolve(LATEST) + " exists: resume it, or train into another folder");
        }
        checkCompatible(from.network, featureSizes(), from.vocabulary.size());
        restartOptimizer(from.network, config);
        AttentionDecoder decoder = (AttentionDecoder) from.network.getConfiguration().getVertices()
                .get(CaptionNetwork.DECODER);
        decoder.setAttentionEntropy(config.attentionEntropy);
        decoder.setOutputDropout(config.outputDropout);
        return run(new Checkpoint(config, new TrainState(), from.vocabulary, from.network));
    }

    /**
     * Gives every Adam updater of the network (layers and the decoder vertex) the configuration's learning-rate
     * schedule and fresh moments: the previous stage's second moments are those of its own gradients, and with Adam's
     * bias correction long done, larger gradients of the new objective would take steps many times the learning rate
     * (a self-critical run that kept them collapsed: dev CIDEr-D .27 to .03 in one epoch at 5e-5). A CaptionException
     * for other updaters.
     */
    static void restartOptimizer(ComputationGraph net, TrainConfig c) {
        ISchedule schedule = new ExponentialSchedule(ScheduleType.EPOCH, c.learningRate, c.learningRateDecay);
        for (Map.Entry<String, GraphVertex> e : net.getConfiguration().getVertices().entrySet()) {
            List<IUpdater> updaters = new ArrayList<>();
            if (e.getValue() instanceof LayerVertex
                    && ((LayerVertex) e.getValue()).getLayerConf().getLayer() instanceof BaseLayer) {
                BaseLayer l = (BaseLayer) ((LayerVertex) e.getValue()).getLayerConf().getLayer();
                updaters.add(l.getIUpdater());
                updaters.add(l.getBiasUpdater());
            } else if (e.getValue() instanceof SameDiffVertex) {
                updaters.add(((SameDiffVertex) e.getValue()).getUpdater());
                updaters.add(((SameDiffVertex) e.getValue()).getBiasUpdater());
            }
            for (IUpdater u : updaters) {
                if (u instanceof Adam) {
                    ((Adam) u).setLearningRateSchedule(schedule);
                } else if (u != null && !(u instanceof NoOp)) {
                    throw new CaptionException("Cannot set the learning rate of " + e.getKey() + "'s "
                            + u.getClass().getSimpleName() + " updater: fine-tuning runs need Adam (Trainer.updater)");
                }
            }
        }
        net.getConfiguration().setIterationCount(0);            // Adam's bias correction starts again
        net.setUpdater(new ComputationGraphUpdater(net));         // with zero moments
    }

    /** Adam with the configuration's learning rate, decayed by {@code learningRateDecay} each epoch. */
    public static IUpdater updater(TrainConfig c) {
        return new Adam(new ExponentialSchedule(ScheduleType.EPOCH, c.learningRate, c.learningRateDecay));
    }

    /** Continues the run saved in {@code outDir}. */
    public Checkpoint resume() {
        return resume(Checkpoint.load(outDir.resolve(LATEST)));
    }

    /** Continues the run of a checkpoint already loaded from {@code outDir}. */
    public Checkpoint resume(Checkpoint c) {
        removeStaleTemporaryFiles();
        if (c.state.finished) {
            log.info("The run in {} has finished ({} epochs)", outDir, c.state.epoch);
            return c;
        }
        log.info("Resuming {} at epoch {}, batch {}, step {}", outDir.resolve(LATEST), c.state.epoch + 1, c.state.batchInEpoch,
                c.state.step);
        return run(c);
    }

    /** Deletes temporary checkpoint files a killed process left half-written. */
    private void removeStaleTemporaryFiles() {
        try (var files = Files.list(outDir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String n = p.getFileName().toString();
                if ((n.startsWith(LATEST + ".") || n.startsWith(BEST + ".")) && n.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            log.warn("Could not clean temporary files in {}: {}", outDir, e.getMessage());
        }
    }

    private long[] featureSizes() {
        return featureSizes(train, features);
    }

    /**
     * {channels, pooled size, regions} of the features of the first readable training image (also SparkTrainer's);
     * a CaptionException when none can be read.
     */
    public static long[] featureSizes(CaptionDataset train, FeatureSource features) {
        for (CaptionDataset.Example e : train.examples()) {
            Map<CaptionDataset.Example, EncodedImage> f = features.features(List.of(e));
            if (!f.isEmpty()) {
                EncodedImage x = f.values().iterator().next();
                return new long[]{x.channels(), x.pooled().length(), x.regions()};
            }
        }
        throw new CaptionException("None of the " + train.examples().size() + " training images could be read");
    }

    /** The network of a configuration (also what SparkTrainer trains, so both build the same network). */
    public static CaptionNetwork network(TrainConfig c, Vocabulary vocabulary, long[] featureSizes, INDArray pretrained) {
        if (c.embedding != EmbeddingMode.SCRATCH) {
            if (pretrained == null) {
                throw new CaptionException("Embedding mode " + c.embedding + " needs the word vectors matrix");
            }
            if (pretrained.rank() != 2 || pretrained.size(0) != vocabulary.size() || pretrained.size(1) != c.embeddingSize) {
                throw new CaptionException("The word vectors matrix is " + Arrays.toString(pretrained.shape()) + "; it must be ["
                        + vocabulary.size() + ", " + c.embeddingSize + "] (vocabulary size, embeddingSize)");
            }
        }
        return CaptionNetwork.builder()
                .featureSize((int) featureSizes[0]).pooledSize((int) featureSizes[1])
                .regions(featureSizes.length > 2 ? (int) featureSizes[2] : 0)
                .projectionSize(c.projectionSize).embeddingSize(c.embeddingSize).hiddenSize(c.hiddenSize)
                .attentionSize(c.attentionSize).outputHiddenSize(c.outputHiddenSize).vocabularySize(vocabulary.size())
                .cellType(c.cell).attentionPenalty(c.attentionPenalty).attentionEntropy(c.attentionEntropy)
                .projectionDropout(c.dropout).outputDropout(c.outputDropout)
                .embeddings(c.embedding, c.embedding == EmbeddingMode.SCRATCH ? null : pretrained)
                .updater(updater(c))
                .gradientClip(c.gradientClip).seed(c.seed)
                .attentionState(c.attentionState).gated(c.gated).projectionActivation(c.projectionActivation)
                .build();
    }

    /** Trains epoch after epoch until the last one, an early stop or the step limit. */
    private Checkpoint run(Checkpoint ck) {
        CaptionBatcher batcher = new CaptionBatcher(ck.vocabulary, tokenizer, ck.config.maxLength);
        selfCritical = ck.config.scst
                ? new SelfCritical(train, ck.vocabulary, tokenizer, ck.config.scstSamples, ck.config.maxLength,
                ck.config.scstBaseline) : null;
        CheckpointSchedule schedule = new CheckpointSchedule(ck.config, ck.state);
        EarlyStopping earlyStopping = new EarlyStopping(dev != null, ck.config.earlyStoppingPatience,
                ck.config.selectBy);
        while (ck.state.epoch < ck.config.epochs && !ck.state.finished) {
            int epoch = ck.state.epoch + 1;
            if (!trainEpoch(ck, epoch, batcher, schedule)) {
                break;                                          // the step limit, saved
            }
            endEpoch(ck, epoch, batcher, schedule, earlyStopping);
        }
        return ck;
    }

    /**
     * Trains the epoch's batches from {@code state.batchInEpoch} on, writing checkpoints when due; false if the run
     * reached the step limit (then a checkpoint is written and the epoch left unfinished).
     */
    private boolean trainEpoch(Checkpoint ck, int epoch, CaptionBatcher batcher, CheckpointSchedule schedule) {
        TrainState s = ck.state;
        List<List<EpochSampler.Pair>> batches = selfCritical != null ? imageBatches(ck.config, epoch)
                : epochBatches(ck.config, epoch);
        ck.network.getConfiguration().setEpochCount(epoch - 1);   // the learning-rate schedule's epoch
        listener.onEpochStart(epoch, ck.config.epochs, batches.size(), s);
        long epochStart = System.nanoTime(), tokens = 0;
        try {
            while (s.batchInEpoch < batches.size()) {
                tokens += selfCritical != null ? selfCriticalBatch(ck, batches.get(s.batchInEpoch))
                        : trainBatch(ck, batches.get(s.batchInEpoch), batcher);
                s.step++;
                s.batchInEpoch++;
                long now = System.nanoTime();
                listener.onBatch(s, tokens / Math.max((now - epochStart) / 1e9, 1e-9));
                boolean limit = s.step >= stopAfterSteps;
                if (limit || (schedule.due(s.step, now) && s.batchInEpoch < batches.size())) {
                    s.seconds = schedule.seconds(now);
                    save(ck, LATEST);
                    schedule.saved(now);
                    if (limit) {
                        return false;
                    }
                }
            }
        } finally {
            listener.onEpochBatchesEnd(s);
        }
        return true;
    }

    /** The epoch's batches: its pairs, shuffled by the epoch's seed, in batches of similar caption length. */
    private List<List<EpochSampler.Pair>> epochBatches(TrainConfig c, int epoch) {
        return EpochSampler.lengthBatches(EpochSampler.epoch(train, c.pairsPerEpoch, c.seed + epoch), c.batchSize, LENGTH_POOL,
                caption -> tokenizer.tokenize(caption).size(), c.seed + epoch);
    }

    /** Self-critical training's batches: every training image once per epoch (one pair each), shuffled by the epoch's seed. */
    private List<List<EpochSampler.Pair>> imageBatches(TrainConfig c, int epoch) {
        Map<CaptionDataset.Example, EpochSampler.Pair> firstPair = new LinkedHashMap<>();
        for (EpochSampler.Pair p : EpochSampler.epoch(train, 0, c.seed + epoch)) {
            firstPair.putIfAbsent(p.example, p);
        }
        List<EpochSampler.Pair> images = new ArrayList<>(firstPair.values());
        List<List<EpochSampler.Pair>> batches = new ArrayList<>();
        for (int i = 0; i < images.size(); i += c.batchSize) {
            batches.add(images.subList(i, Math.min(images.size(), i + c.batchSize)));
        }
        return batches;
    }

    /**
     * One self-critical step ({@link SelfCritical}) on the batch's readable images, sampling seeded by the step number;
     * adds the greedy captions' reward to the epoch's. Returns the sampled tokens trained on.
     */
    private long selfCriticalBatch(Checkpoint ck, List<EpochSampler.Pair> pairs) {
        TrainState s = ck.state;
        long stepSeed = ck.config.seed * 1_000_003L + s.step;
        List<CaptionDataset.Example> examples = new ArrayList<>();
        for (EpochSampler.Pair p : pairs) {
            examples.add(p.example);
        }
        Map<CaptionDataset.Example, EncodedImage> encoded = features.features(examples);
        List<CaptionDataset.Example> read = new ArrayList<>();
        List<EncodedImage> images = new ArrayList<>();
        for (CaptionDataset.Example e : examples) {
            if (encoded.containsKey(e)) {
                read.add(e);
                images.add(encoded.get(e));
            }
        }
        s.epochSkippedPairs += examples.size() - read.size();
        if (read.isEmpty()) {
            return 0;
        }
        SelfCritical.Batch batch = selfCritical.batch(ck.network, read, images, stepSeed);
        Nd4j.getRandom().setSeed(stepSeed);                    // dropout
        ck.network.fit(batch.data);
        s.epochRewardSum += batch.greedyReward;
        s.epochSampleRewardSum += batch.sampleReward / ck.config.scstSamples;
        s.epochRewardImages += batch.images;
        return (long) batch.data.getFeaturesMaskArray(2).sumNumber().doubleValue();
    }

    /**
     * One optimiser step on the batch of the pairs whose images can be read (none if no image can), its randomness
     * seeded by the step number; adds its loss, tokens and skipped pairs to the epoch's. Returns its tokens.
     */
    private long trainBatch(Checkpoint ck, List<EpochSampler.Pair> pairs, CaptionBatcher batcher) {
        TrainConfig c = ck.config;
        TrainState s = ck.state;
        CaptionNetwork net = ck.network;
        long stepSeed = c.seed * 1_000_003L + s.step;
        Random flips = c.horizontalFlip ? new Random(stepSeed ^ 0x5DEECE66DL) : null;
        CaptionBatcher.Batch batch = batcher.readBatch(pairs, features, flips);
        s.epochSkippedPairs += batch.skippedPairs;
        MultiDataSet mds = batch.data;
        if (mds == null) {
            return 0;
        }
        if (c.scheduledSampling > 0) {
            ScheduledSampling.apply(net, mds, c.scheduledSampling, new Random(stepSeed));
        }
        Nd4j.getRandom().setSeed(stepSeed);                    // dropout
        net.fit(mds);
        int b = (int) mds.getFeatures(0).size(0);
        long tokens = (long) mds.getLabelsMaskArray(0).sumNumber().doubleValue();
        double penalty = ((PenaltySource) net.getVertex(CaptionNetwork.DECODER)).penaltyScore();
        s.epochLossSum += (net.score() - penalty) * b;
        s.epochTokens += tokens;
        return tokens;
    }

    /**
     * Closes a trained epoch: validates it, records it for early stopping, writes {@value #BEST} when the dev loss is
     * the lowest so far and {@value #LATEST} always, and marks the run finished after the last epoch or an early stop.
     */
    private void endEpoch(Checkpoint ck, int epoch, CaptionBatcher batcher, CheckpointSchedule schedule,
                          EarlyStopping earlyStopping) {
        TrainState s = ck.state;
        TrainState.EpochResult r = validate(ck, batcher, epoch);
        s.history.add(r);
        log.info("{}", r);
        boolean improved = earlyStopping.record(s, epoch, r.devLoss, r.ciderD);
        s.epoch = epoch;
        s.batchInEpoch = 0;
        s.epochLossSum = 0;
        s.epochTokens = 0;
        s.epochSkippedPairs = 0;
        s.epochRewardSum = 0;
        s.epochSampleRewardSum = 0;
        s.epochRewardImages = 0;
        boolean stopEarly = earlyStopping.shouldStop(s);
        s.finished = s.epoch >= ck.config.epochs || stopEarly;
        s.seconds = schedule.seconds(System.nanoTime());
        if (improved) {
            save(ck, BEST);
        }
        save(ck, LATEST);
        schedule.saved(System.nanoTime());
        if (stopEarly) {
            log.info("Stopping early: no better dev {} for {} epochs (best: epoch {}, dev loss {}, CIDEr-D {})",
                    ck.config.selectBy, s.epochsWithoutImprovement, s.bestEpoch, String.format("%.4f", s.bestDevLoss),
                    String.format("%.4f", s.bestCiderD));
        }
        listener.onEpochEnd(r);
    }

    /**
     * Scores a checkpoint's network on dev into {@code r}: cross-entropy per word, then BLEU, CIDEr-D, ROUGE-L and the
     * attention entropy of its captions of the first {@code validationImages} dev images (NaN dev loss without dev).
     * SparkTrainer validates on its driver with this too.
     */
    public static void scoreOnDev(TrainState.EpochResult r, Checkpoint ck, CaptionDataset dev, FeatureSource features,
                                  CaptionBatcher batcher, Tokenizer tokenizer, TrainingListener listener) {
        TrainConfig c = ck.config;
        r.devLoss = Double.NaN;
        if (dev == null) {
            return;
        }
        r.devLoss = Evaluator.loss(ck.network, EpochSampler.epoch(dev, 0, 0), features, batcher, 64);
        List<CaptionDataset.Example> images = dev.examples();
        if (c.validationImages > 0 && c.validationImages < images.size()) {
            images = images.subList(0, c.validationImages);
        }
        DecodeOptions o = DecodeOptions.beamOrGreedy(c.validationBeam).withMaxLength(c.maxLength);
        List<Evaluator.Prediction> p;
        try (AttentionDecoderStep step = AttentionDecoderStep.of(ck.network)) {
            p = Evaluator.predict(step, images, features, ck.vocabulary, o, 32, "dev decoding", listener);
        }
        Evaluator.Metrics m = Evaluator.score(p, tokenizer);
        r.bleu1 = m.bleu[0];
        r.bleu2 = m.bleu[1];
        r.bleu3 = m.bleu[2];
        r.bleu4 = m.bleu[3];
        r.ciderD = m.ciderD;
        r.rougeL = m.rougeL;
        r.attentionEntropy = m.attention.entropyRatio();
    }

    private TrainState.EpochResult validate(Checkpoint ck, CaptionBatcher batcher, int epoch) {
        TrainConfig c = ck.config;
        TrainState s = ck.state;
        TrainState.EpochResult r = new TrainState.EpochResult();
        r.epoch = epoch;
        r.step = s.step;
        r.trainLoss = c.scst ? Double.NaN : s.epochTrainLoss();
        r.trainReward = c.scst ? s.epochRewardSum / Math.max(1, s.epochRewardImages) : Double.NaN;
        r.trainSampleReward = c.scst ? s.epochSampleRewardSum / Math.max(1, s.epochRewardImages) : Double.NaN;
        r.skippedPairs = s.epochSkippedPairs;
        r.learningRate = c.learningRate * Math.pow(c.learningRateDecay, epoch - 1);
        long t0 = System.nanoTime();
        scoreOnDev(r, ck, dev, features, batcher, tokenizer, listener);
        r.seconds = (System.nanoTime() - t0) / 1e9;
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
