package io.caption4j.examples.cli;

import io.caption4j.core.CaptionException;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.core.train.Checkpoint;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.core.train.TrainState;
import io.caption4j.core.train.Trainer;
import io.caption4j.core.train.TrainingListener;
import io.caption4j.layers.CellType;
import io.caption4j.layers.EmbeddingMode;
import io.caption4j.zoo.WordVectors;
import io.caption4j.zoo.inception.InceptionV3Encoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Trains a captioner with checkpoints, validation and exact resume. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a captioner. Checkpoints go to --out (checkpoint.zip: latest, best.zip: lowest dev loss);",
                "--resume continues a stopped or killed run exactly where its last checkpoint left it."})
final class TrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Mixin
    DataOptions data;
    @Mixin
    EncoderOptions enc;

    @Option(names = "--dev-data", description = "coco / file: the dev set's captions JSON or CSV/JSONL (flickr8k uses its dev split).")
    Path devData;
    @Option(names = "--dev-images", description = "coco / file: the dev set's image folder (default: --images, or the dev file's folder).")
    Path devImages;
    @Option(names = "--out", defaultValue = "runs/flickr8k", description = "Run folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--resume", description = "Continue the run in --out with the configuration saved in its checkpoint.")
    boolean resume;
    @Option(names = "--config", description = "A training configuration JSON (as saved in checkpoints); the options below override it.")
    Path configFile;

    @Option(names = "--epochs", description = "Epochs (default: 10).")
    Integer epochs;
    @Option(names = "--batch-size", description = "Captions per batch (default: 32).")
    Integer batchSize;
    @Option(names = "--pairs-per-epoch", description = "Random caption pairs per epoch, 0 = all (default: 0).")
    Integer pairsPerEpoch;
    @Option(names = "--lr", description = "Adam learning rate (default: 4e-4).")
    Double lr;
    @Option(names = "--lr-decay", description = "Learning-rate factor after each epoch (default: 1 = none).")
    Double lrDecay;
    @Option(names = "--clip", description = "Element-wise gradient clipping, 0 = off (default: 5).")
    Double clip;
    @Option(names = "--dropout", description = "Dropout on the encoder features (default: 0.5).")
    Double dropout;
    @Option(names = "--attention-penalty", description = "Doubly stochastic attention penalty weight (default: 1).")
    Double penalty;
    @Option(names = "--scheduled-sampling", description = "Probability of feeding the predicted previous word (default: 0 = full teacher forcing).")
    Double scheduledSampling;
    @Option(names = "--embedding", description = "Word embeddings: ${COMPLETION-CANDIDATES} (default: SCRATCH; FROZEN and FINE_TUNE need --word-vectors).")
    EmbeddingMode embedding;
    @Option(names = "--word-vectors", description = "GloVe or word2vec text file (plain or .gz) for FROZEN / FINE_TUNE; sets --embedding-size to its dimension.")
    Path wordVectors;
    @Option(names = "--embedding-size", description = "Embedding size for SCRATCH (default: 300).")
    Integer embeddingSize;
    @Option(names = "--hidden-size", description = "LSTM/GRU size (default: 512).")
    Integer hiddenSize;
    @Option(names = "--attention-size", description = "Attention size (default: 512).")
    Integer attentionSize;
    @Option(names = "--projection-size", description = "Feature projection size (default: 512).")
    Integer projectionSize;
    @Option(names = "--cell", description = "Recurrent cell: ${COMPLETION-CANDIDATES} (default: LSTM).")
    CellType cell;
    @Option(names = "--min-count", description = "Minimum count of a vocabulary word (default: 5).")
    Integer minCount;
    @Option(names = "--max-words", description = "Vocabulary size limit including special tokens (default: 5000).")
    Integer maxWords;
    @Option(names = "--max-length", description = "Maximum caption length in words (default: 40).")
    Integer maxLength;
    @Option(names = "--checkpoint-steps", description = "Checkpoint every N steps, 0 = off (default: 500).")
    Integer checkpointSteps;
    @Option(names = "--checkpoint-minutes", description = "Checkpoint every N minutes, 0 = off (default: 10).")
    Double checkpointMinutes;
    @Option(names = "--validation-images", description = "Dev images decoded for metrics each epoch, 0 = all (default: 0).")
    Integer validationImages;
    @Option(names = "--validation-beam", description = "Beam size for the validation decoding, 1 = greedy (default: 1).")
    Integer validationBeam;
    @Option(names = "--patience", description = "Early stopping: epochs without a lower dev loss, 0 = off (default: 0).")
    Integer patience;
    @Option(names = "--seed", description = "Random seed (default: 42).")
    Long seed;
    @Option(names = "--max-steps", description = "Stop with a checkpoint after this many steps in total (for time-boxed runs).")
    Long maxSteps;
    @Option(names = "--limit-images", description = "Train on the first N training images and dev on the first N/4 dev images, 0 = all (default: 0).")
    Integer limitImages;
    @Option(names = "--no-progress", description = "No progress bar (for logs).")
    boolean noProgress;

    @Override
    public Integer call() throws IOException {
        TrainConfig c;
        Checkpoint saved = null;
        if (resume) {
            saved = Checkpoint.load(out.resolve(Trainer.LATEST));
            c = saved.config;
        } else {
            c = configFile != null ? TrainConfig.fromJson(Files.readString(configFile)) : new TrainConfig();
            apply(c);
        }
        c.validate();
        ImageEncoder encoder = EncoderOptions.encoder(c.encoder, InceptionV3Encoder.FeatureLayer.valueOf(c.layer));
        enc.pool = c.pool;
        FeatureSource features = enc.featureSource(encoder);
        data.format = DataOptions.Format.valueOf(c.dataset);
        data.images = c.images == null ? null : Path.of(c.images);
        CaptionDataset trainSet = data.load(Datasets.Split.TRAIN, Path.of(c.data)).limit(c.limitImages);
        CaptionDataset devSet = data.format == DataOptions.Format.flickr8k ? data.load(Datasets.Split.DEV, Path.of(c.data))
                : c.devData != null ? data.load(null, Path.of(c.devData), c.devImages != null ? Path.of(c.devImages) : data.images) : null;
        devSet = devSet == null ? null : devSet.limit(c.limitImages == 0 ? 0 : Math.max(1, c.limitImages / 4));
        TrainingListener progress = noProgress ? TrainingListener.NONE : new ProgressBarListener();
        Trainer trainer = new Trainer(c, trainSet, devSet, features, out).listener(progress);
        if (maxSteps != null) {
            trainer.stopAfterSteps(maxSteps);
        }
        Checkpoint result;
        if (resume) {
            result = trainer.resume(saved);
        } else {
            Files.createDirectories(out);
            Vocabulary vocabulary = Trainer.vocabulary(trainSet, c);
            System.err.println("Vocabulary: " + vocabulary.size() + " words (min count " + c.minCount + ", at most " + c.maxWords + ")");
            if (c.embedding != EmbeddingMode.SCRATCH) {
                WordVectors.Result wv = WordVectors.fromText(Path.of(c.wordVectors), vocabulary.words(), WordVectors.Unknown.RANDOM, c.seed);
                System.err.println(wv.report());
                trainer.pretrainedEmbeddings(wv.matrix);
            }
            System.err.println("Precomputing features (cached in the feature cache; an interrupted run keeps what is done)");
            features.precompute(trainSet.examples(), "train features", progress);
            if (devSet != null) {
                features.precompute(devSet.examples(), "dev features", progress);
            }
            result = trainer.start(vocabulary);
        }
        TrainState s = result.state;
        System.out.println(s.finished ? "Finished after " + s.epoch + " epochs, " + s.step + " steps"
                : "Stopped at epoch " + (s.epoch + 1) + ", step " + s.step + "; continue with --resume");
        if (s.bestEpoch > 0) {
            System.out.printf("Best dev loss %.4f at epoch %d: %s%n", s.bestDevLoss, s.bestEpoch, out.resolve(Trainer.BEST));
        }
        return 0;
    }

    /** Options given on the command line (or all of them without --config) override the configuration file. */
    private boolean given(String option) {
        return configFile == null || spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private void apply(TrainConfig c) {
        if (given("--dataset")) c.dataset = data.format.name();
        if (given("--data")) c.data = data.data.toString();
        if (given("--images")) c.images = data.images == null ? null : data.images.toString();
        if (given("--encoder")) c.encoder = enc.encoder;
        if (given("--layer")) c.layer = enc.layer.name();
        if (given("--pool")) c.pool = enc.pool;
        if (devData != null) c.devData = devData.toString();
        if (devImages != null) c.devImages = devImages.toString();
        if (limitImages != null) c.limitImages = limitImages;
        if (epochs != null) c.epochs = epochs;
        if (batchSize != null) c.batchSize = batchSize;
        if (pairsPerEpoch != null) c.pairsPerEpoch = pairsPerEpoch;
        if (lr != null) c.learningRate = lr;
        if (lrDecay != null) c.learningRateDecay = lrDecay;
        if (clip != null) c.gradientClip = clip;
        if (dropout != null) c.dropout = dropout;
        if (penalty != null) c.attentionPenalty = penalty;
        if (scheduledSampling != null) c.scheduledSampling = scheduledSampling;
        if (embedding != null) c.embedding = embedding;
        if (embeddingSize != null) c.embeddingSize = embeddingSize;
        if (wordVectors != null) {
            c.wordVectors = wordVectors.toString();
            c.embeddingSize = WordVectors.dimension(wordVectors);
            if (embedding == null) {
                c.embedding = EmbeddingMode.FINE_TUNE;
            }
        }
        if (hiddenSize != null) c.hiddenSize = hiddenSize;
        if (attentionSize != null) c.attentionSize = attentionSize;
        if (projectionSize != null) c.projectionSize = projectionSize;
        if (cell != null) c.cell = cell;
        if (minCount != null) c.minCount = minCount;
        if (maxWords != null) c.maxWords = maxWords;
        if (maxLength != null) c.maxLength = maxLength;
        if (checkpointSteps != null) c.checkpointEverySteps = checkpointSteps;
        if (checkpointMinutes != null) c.checkpointEveryMinutes = checkpointMinutes;
        if (validationImages != null) c.validationImages = validationImages;
        if (validationBeam != null) c.validationBeam = validationBeam;
        if (patience != null) c.earlyStoppingPatience = patience;
        if (seed != null) c.seed = seed;
        if (c.embedding != EmbeddingMode.SCRATCH && c.wordVectors == null) {
            throw new CaptionException("--embedding " + c.embedding + " needs --word-vectors");
        }
    }
}
