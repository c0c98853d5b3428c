package io.caption4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.caption4j.core.CaptionException;
import io.caption4j.core.train.Checkpoint;
import io.caption4j.core.train.SelfCritical;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.core.train.TrainState;
import io.caption4j.core.train.Trainer;
import io.caption4j.core.train.TrainingListener;
import io.caption4j.layers.AttentionState;
import io.caption4j.layers.CellType;
import io.caption4j.layers.EmbeddingMode;
import io.caption4j.zoo.TrainingRun;
import io.caption4j.zoo.WordVectors;
import org.nd4j.linalg.activations.Activation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains a captioner with checkpoints, validation and exact resume ({@link TrainingRun}). Each training option is a
 * field named after its {@link TrainConfig} property and starts at that property's default, so the defaults are
 * written once, in TrainConfig, and the help shows them through {@code ${DEFAULT-VALUE}}.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a captioner. Checkpoints go to --out (checkpoint.zip: latest, best.zip: lowest dev loss);",
                "--resume continues a stopped or killed run exactly where its last checkpoint left it."})
final class TrainCommand implements Callable<Integer> {
    private static final TrainConfig DEFAULTS = new TrainConfig();

    @Spec
    CommandSpec spec;
    @Mixin
    DataOptions data;
    @Mixin
    EncoderOptions enc;

    @Option(names = "--dev-data",
            description = "coco / file: the dev set's captions JSON or CSV/JSONL (flickr8k uses its dev split).")
    Path devData;
    @Option(names = "--dev-images",
            description = "coco / file: the dev set's image folder (default: --images, or the dev file's folder).")
    Path devImages;
    @Option(names = "--out", defaultValue = "runs/flickr8k", description = "Run folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--resume", description = "Continue the run in --out with the configuration saved in its checkpoint.")
    boolean resume;
    @Option(names = "--config",
            description = "A training configuration JSON (as saved in checkpoints); the options below override it.")
    Path configFile;

    @Option(names = "--epochs", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs = DEFAULTS.epochs;
    @Option(names = "--batch-size", description = "Captions per batch (default: ${DEFAULT-VALUE}).")
    int batchSize = DEFAULTS.batchSize;
    @Option(names = "--pairs-per-epoch", description = "Random caption pairs per epoch, 0 = all (default: ${DEFAULT-VALUE}).")
    int pairsPerEpoch = DEFAULTS.pairsPerEpoch;
    @Option(names = "--lr", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate = DEFAULTS.learningRate;
    @Option(names = "--lr-decay", description = "Learning-rate factor after each epoch, 1 = none (default: ${DEFAULT-VALUE}).")
    double learningRateDecay = DEFAULTS.learningRateDecay;
    @Option(names = "--clip", description = "Element-wise gradient clipping, 0 = off (default: ${DEFAULT-VALUE}).")
    double gradientClip = DEFAULTS.gradientClip;
    @Option(names = "--dropout", description = "Dropout on the encoder features (default: ${DEFAULT-VALUE}).")
    double dropout = DEFAULTS.dropout;
    @Option(names = "--attention-penalty",
            description = "Doubly stochastic attention penalty weight (default: ${DEFAULT-VALUE}).")
    double attentionPenalty = DEFAULTS.attentionPenalty;
    @Option(names = "--attention-entropy",
            description = "Weight of the attention entropy term, which favours attention on few regions; with --init-from "
                    + "it applies to the fine-tuning (default: ${DEFAULT-VALUE}).")
    double attentionEntropy = DEFAULTS.attentionEntropy;
    @Option(names = "--output-dropout",
            description = "Dropout on the decoder state before the output layer; with --init-from it applies to the "
                    + "fine-tuning (default: ${DEFAULT-VALUE}).")
    double outputDropout = DEFAULTS.outputDropout;
    @Option(names = "--attention-state",
            description = "What attention is conditioned on: H or H_AND_C (default: H_AND_C for LSTM, H for GRU).")
    AttentionState attentionState = DEFAULTS.attentionState;
    @Option(names = "--gate", description = "The paper's fBeta gate on the attention context.")
    boolean gated = DEFAULTS.gated;
    @Option(names = "--projection-activation",
            description = "Activation of the feature projection: RELU, IDENTITY, TANH, ... (default: ${DEFAULT-VALUE}).")
    Activation projectionActivation = DEFAULTS.projectionActivation;
    @Option(names = "--scheduled-sampling", description = "Probability of feeding the predicted previous word, "
            + "0 = full teacher forcing (default: ${DEFAULT-VALUE}).")
    double scheduledSampling = DEFAULTS.scheduledSampling;
    @Option(names = "--flip", description = "Horizontal-flip augmentation: each training pair's feature grid mirrored "
            + "with probability 1/2, \"left\" and \"right\" swapped in its caption.")
    boolean horizontalFlip = DEFAULTS.horizontalFlip;
    @Option(names = "--scst", description = "Self-critical sequence training (Rennie et al. 2017): fine-tune the run of "
            + "--init-from on CIDEr-D rewards of sampled captions against the greedy caption's; batches of --batch-size "
            + "images; selects by CIDER_D unless --select-by says otherwise.")
    boolean scst;
    @Option(names = "--scst-samples", description = "Captions sampled per image in --scst (default: ${DEFAULT-VALUE}).")
    int scstSamples = DEFAULTS.scstSamples;
    @Option(names = "--scst-baseline", description = "Reward baseline of --scst: ${COMPLETION-CANDIDATES} (default: "
            + "${DEFAULT-VALUE}: the mean of the image's other samples; GREEDY: the greedy caption's, as the paper).")
    SelfCritical.Baseline scstBaseline = DEFAULTS.scstBaseline;
    @Option(names = "--init-from", description = "Start from this trained checkpoint (a run's best.zip) instead of a new "
            + "network: its encoder, vocabulary and network are used (a fine-tuning stage, e.g. --scst).")
    Path initFrom;
    @Option(names = "--embedding", description = "Word embeddings: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; "
            + "FROZEN and FINE_TUNE need --word-vectors).")
    EmbeddingMode embedding = DEFAULTS.embedding;
    @Option(names = "--word-vectors", description = "GloVe or word2vec text file (plain or .gz) for FROZEN / FINE_TUNE; "
            + "sets --embedding-size to its dimension.")
    Path wordVectors;
    @Option(names = "--embedding-size", description = "Embedding size for SCRATCH (default: ${DEFAULT-VALUE}).")
    int embeddingSize = DEFAULTS.embeddingSize;
    @Option(names = "--hidden-size", description = "LSTM/GRU size (default: ${DEFAULT-VALUE}).")
    int hiddenSize = DEFAULTS.hiddenSize;
    @Option(names = "--attention-size", description = "Attention size (default: ${DEFAULT-VALUE}).")
    int attentionSize = DEFAULTS.attentionSize;
    @Option(names = "--projection-size", description = "Feature projection size (default: ${DEFAULT-VALUE}).")
    int projectionSize = DEFAULTS.projectionSize;
    @Option(names = "--cell", description = "Recurrent cell: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    CellType cell = DEFAULTS.cell;
    @Option(names = "--min-count", description = "Minimum count of a vocabulary word (default: ${DEFAULT-VALUE}).")
    int minCount = DEFAULTS.minCount;
    @Option(names = "--max-words", description = "Vocabulary size limit including special tokens (default: ${DEFAULT-VALUE}).")
    int maxWords = DEFAULTS.maxWords;
    @Option(names = "--max-length", description = "Maximum caption length in words (default: ${DEFAULT-VALUE}).")
    int maxLength = DEFAULTS.maxLength;
    @Option(names = "--checkpoint-steps", description = "Checkpoint every N steps, 0 = off (default: ${DEFAULT-VALUE}).")
    int checkpointEverySteps = DEFAULTS.checkpointEverySteps;
    @Option(names = "--checkpoint-minutes", description = "Checkpoint every N minutes, 0 = off (default: ${DEFAULT-VALUE}).")
    double checkpointEveryMinutes = DEFAULTS.checkpointEveryMinutes;
    @Option(names = "--validation-images",
            description = "Dev images decoded for metrics each epoch, 0 = all (default: ${DEFAULT-VALUE}).")
    int validationImages = DEFAULTS.validationImages;
    @Option(names = "--validation-beam",
            description = "Beam size for the validation decoding, 1 = greedy (default: ${DEFAULT-VALUE}).")
    int validationBeam = DEFAULTS.validationBeam;
    @Option(names = "--patience",
            description = "Early stopping: epochs without a better dev score, 0 = off (default: ${DEFAULT-VALUE}).")
    int earlyStoppingPatience = DEFAULTS.earlyStoppingPatience;
    @Option(names = "--select-by",
            description = "Which epoch's network is best.zip (and what --patience watches): ${COMPLETION-CANDIDATES} "
                    + "(default: ${DEFAULT-VALUE}; CIDER_D scores the --validation-images captions).")
    TrainConfig.Selection selectBy = DEFAULTS.selectBy;
    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = DEFAULTS.seed;
    @Option(names = "--max-steps", description = "Stop with a checkpoint after this many steps in total (for time-boxed runs).")
    Long maxSteps;
    @Option(names = "--limit-images", description = "Train on the first N training images and dev on the first N/4 dev images, "
            + "0 = all (default: ${DEFAULT-VALUE}).")
    int limitImages = DEFAULTS.limitImages;
    @Option(names = "--no-progress", description = "No progress bar (for logs).")
    boolean noProgress;

    @Override
    public Integer call() throws IOException {
        TrainingRun run = resume ? TrainingRun.resume(out) : TrainingRun.create(config(), out);
        run.featureCache(enc.caching.folder()).encodeBatch(enc.caching.encodeBatch)
                .listener(noProgress ? TrainingListener.NONE : new ProgressBarListener());
        if (maxSteps != null) {
            run.stopAfterSteps(maxSteps);
        }
        Checkpoint done = run.run();
        TrainState s = done.state;
        System.out.println(s.finished ? "Finished after " + s.epoch + " epochs, " + s.step + " steps"
                : "Stopped at epoch " + (s.epoch + 1) + ", step " + s.step + "; continue with --resume");
        if (s.bestEpoch > 0) {
            System.out.printf("Best by %s: epoch %d (dev loss %.4f, dev CIDEr-D %.4f): %s%n", done.config.selectBy, s.bestEpoch,
                    s.bestDevLoss, s.bestCiderD, out.resolve(Trainer.BEST));
        }
        return 0;
    }

    /** The configuration file (or the defaults) with the options given on the command line. */
    TrainConfig config() throws IOException {
        TrainConfig c = configFile != null ? TrainConfig.fromJson(Files.readString(configFile)) : new TrainConfig();
        apply(c);
        return c;
    }

    private boolean matched(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** Without --config every option applies (one not given holds the default); with it, those given override the file. */
    private boolean given(String option) {
        return configFile == null || matched(option);
    }

    private void apply(TrainConfig c) {
        if (given("--dataset")) c.dataset = data.dataset.name();
        if (given("--data")) c.data = data.data.toString();
        if (given("--images")) c.images = data.images == null ? null : data.images.toString();
        if (given("--encoder")) c.encoder = enc.encoder;
        if (given("--layer")) c.layer = enc.layerSpec();
        if (!given("--layer") && given("--pooled-layer")) c.layer = c.layer.split("\\+")[0] + "+" + enc.pooledLayer.name();
        if (given("--pool")) c.pool = enc.pool;
        if (devData != null) c.devData = devData.toString();
        if (devImages != null) c.devImages = devImages.toString();
        if (given("--limit-images")) c.limitImages = limitImages;
        if (given("--epochs")) c.epochs = epochs;
        if (given("--batch-size")) c.batchSize = batchSize;
        if (given("--pairs-per-epoch")) c.pairsPerEpoch = pairsPerEpoch;
        if (given("--lr")) c.learningRate = learningRate;
        if (given("--lr-decay")) c.learningRateDecay = learningRateDecay;
        if (given("--clip")) c.gradientClip = gradientClip;
        if (given("--dropout")) c.dropout = dropout;
        if (given("--attention-penalty")) c.attentionPenalty = attentionPenalty;
        if (given("--attention-entropy")) c.attentionEntropy = attentionEntropy;
        if (given("--output-dropout")) c.outputDropout = outputDropout;
        if (given("--attention-state")) c.attentionState = attentionState;
        if (given("--gate")) c.gated = gated;
        if (given("--projection-activation")) c.projectionActivation = projectionActivation;
        if (given("--scheduled-sampling")) c.scheduledSampling = scheduledSampling;
        if (given("--flip")) c.horizontalFlip = horizontalFlip;
        if (given("--scst")) c.scst = scst;
        if (given("--scst-samples")) c.scstSamples = scstSamples;
        if (given("--scst-baseline")) c.scstBaseline = scstBaseline;
        if (initFrom != null) c.initFrom = initFrom.toString();
        if (c.scst && !matched("--select-by")) c.selectBy = TrainConfig.Selection.CIDER_D;
        if (c.scst && c.initFrom == null) {
            throw new CaptionException("--scst fine-tunes a trained captioner: give --init-from with a run's best.zip");
        }
        if (given("--embedding")) c.embedding = embedding;
        if (given("--embedding-size")) c.embeddingSize = embeddingSize;
        if (wordVectors != null) {
            c.wordVectors = wordVectors.toString();
            c.embeddingSize = WordVectors.dimension(wordVectors);
            if (!matched("--embedding")) {
                c.embedding = EmbeddingMode.FINE_TUNE;
            }
        }
        if (given("--hidden-size")) c.hiddenSize = hiddenSize;
        if (given("--attention-size")) c.attentionSize = attentionSize;
        if (given("--projection-size")) c.projectionSize = projectionSize;
        if (given("--cell")) c.cell = cell;
        if (given("--min-count")) c.minCount = minCount;
        if (given("--max-words")) c.maxWords = maxWords;
        if (given("--max-length")) c.maxLength = maxLength;
        if (given("--checkpoint-steps")) c.checkpointEverySteps = checkpointEverySteps;
        if (given("--checkpoint-minutes")) c.checkpointEveryMinutes = checkpointEveryMinutes;
        if (given("--validation-images")) c.validationImages = validationImages;
        if (given("--validation-beam")) c.validationBeam = validationBeam;
        if (given("--patience")) c.earlyStoppingPatience = earlyStoppingPatience;
        if (given("--select-by")) c.selectBy = selectBy;
        if (given("--seed")) c.seed = seed;
        if (c.embedding != EmbeddingMode.SCRATCH && c.wordVectors == null) {
            throw new CaptionException("--embedding " + c.embedding + " needs --word-vectors");
        }
    }
}
