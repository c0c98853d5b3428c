package io.caption4j.examples.training;

import java.nio.file.Files;
import java.nio.file.Path;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.core.train.Checkpoint;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.core.train.Trainer;
import io.caption4j.examples.demos.FeatureGate;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.CellType;
import io.caption4j.zoo.InceptionEncoders;
import io.caption4j.zoo.TrainingRun;

/**
 * Training from code, step by step: data set -> features -> vocabulary -> a network of your own (a custom DL4J layer on
 * the features, a GRU cell) -> {@link Trainer} (checkpoints, validation, resume) -> a {@link CaptionModel} that describes a
 * photo. A few Flickr8k images and a few epochs: it shows the path, not a good captioner. Run it from the project root:
 * {@code java -cp cli/target/caption4j.jar:examples/target/classes io.caption4j.examples.training.TrainFromCode
 * [FLICKR8K_DIR] [TRAIN_IMAGES] [PHOTO]}.
 */
public final class TrainFromCode {
    private TrainFromCode() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : "../shared/data/flickr8k");
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 64;

        // 1. data: the official splits, the first few images of each
        CaptionDataset train = Datasets.flickr8k(root, Datasets.Split.TRAIN).limit(images);
        CaptionDataset dev = Datasets.flickr8k(root, Datasets.Split.DEV).limit(16);

        // 2. features: InceptionV3 mixed5 (17x17x768) pooled 2x2 to 9x9, cached on disk after the first run
        TrainConfig config = new TrainConfig();                  // encoder nsfwjs, layer MIXED5, pool 2 by default
        ImageEncoder encoder = InceptionEncoders.of(config.encoderSpec());
        FeatureSource features = TrainingRun.featureSource(encoder, config.pool, TrainingRun.defaultFeatureCache(), 8);

        // 3. the run's settings: what the Trainer uses besides the network
        config.epochs = 4;
        config.batchSize = 16;
        config.minCount = 2;
        config.learningRate = 2e-3;
        config.checkpointEveryMinutes = 0;
        Vocabulary vocabulary = Trainer.vocabulary(train, config);

        // 4. a network of your own: a learned per-channel gate on the features, then a GRU decoder
        CaptionNetwork network = CaptionNetwork.builder()
                .featureSize(768).pooledSize(768)
                .featureLayer(new FeatureGate(768), 768)        // [B, L, 768] -> [B, L, 768]
                .cellType(CellType.GRU)
                .projectionSize(128).embeddingSize(64).hiddenSize(128).attentionSize(128).outputHiddenSize(128)
                .vocabularySize(vocabulary.size())
                .updater(Trainer.updater(config))               // Adam with the config's learning-rate schedule
                .build();

        // 5. train: checkpoint.zip after every epoch, best.zip by dev loss; new Trainer(...).resume() continues a run
        Path out = Files.createTempDirectory("caption4j-train-from-code");
        Checkpoint done = new Trainer(config, train, dev, features, out).start(vocabulary, network);   // logs each epoch
        System.out.println("Trained " + done.state.epoch + " epochs; best by dev loss: epoch " + done.state.bestEpoch);

        // 6. a model from the best checkpoint: describe a photo, save it as a model file
        try (CaptionModel model = ModelFiles.fromCheckpoint(Checkpoint.load(out.resolve(Trainer.BEST)))) {
            Path photo = args.length > 2 ? Path.of(args[2]) : dev.examples().get(0).image;
            Caption c = model.describe(photo);
            System.out.println(photo.getFileName() + ": " + c.text());
            model.save(out.resolve("model.zip"));
            System.out.println("Checkpoints and model in " + out);
        }
    }
}
