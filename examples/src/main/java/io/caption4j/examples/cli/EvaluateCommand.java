package io.caption4j.examples.cli;

import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.core.train.Checkpoint;
import io.caption4j.core.train.Evaluator;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.zoo.inception.InceptionV3Encoder;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Decodes a test set with a trained model, prints the metrics table and writes COCO-format predictions. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Caption every image of a data set with a trained model, print BLEU-1..4, CIDEr-D and ROUGE-L,",
                "and write the predictions in the COCO results format ([{\"image_id\": ..., \"caption\": ...}])."})
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A model file (from export) or a training checkpoint (checkpoint.zip, best.zip).")
    Path model;
    @Mixin
    DataOptions data;
    @Option(names = "--split", defaultValue = "TEST", description = "flickr8k split: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Datasets.Split split;
    @Option(names = "--beam", defaultValue = "3", description = "Beam size, 1 = greedy (default: ${DEFAULT-VALUE}).")
    int beam;
    @Option(names = "--max-length", description = "Maximum caption length (default: the model's).")
    Integer maxLength;
    @Option(names = "--limit", defaultValue = "0", description = "Only the first N images, 0 = all (default: ${DEFAULT-VALUE}).")
    int limit;
    @Option(names = "--predictions", description = "Where to write the COCO results JSON (default: predictions-<split>.json beside the model).")
    Path predictions;
    @Mixin
    CacheOptions caching;

    /** Whether the zip is a CaptionModel (it has model.json) rather than a training checkpoint. */
    static boolean isModelFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;   // Checkpoint.load says what is missing
        }
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(Files.newInputStream(file))) {
            for (java.util.zip.ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals("model.json")) {
                    return true;
                }
            }
        } catch (java.util.zip.ZipException e) {
            return false;
        }
        return false;
    }

    @Override
    public Integer call() throws IOException {
        if (beam < 1) {
            throw new IllegalArgumentException("--beam must be >= 1");
        }
        ImageEncoder encoder;
        CaptionNetwork network;
        Vocabulary vocabulary;
        int pool, defaultMaxLength;
        if (isModelFile(model)) {
            CaptionModel m = CaptionModel.load(model);
            encoder = m.encoder();
            network = m.network();
            vocabulary = m.vocabulary();
            pool = m.poolWindow();
            defaultMaxLength = m.defaultOptions().maxLength;
        } else {
            Checkpoint ck = Checkpoint.load(model);
            TrainConfig c = ck.config;
            encoder = EncoderOptions.encoder(c.encoder, InceptionV3Encoder.FeatureLayer.valueOf(c.layer));
            network = ck.network;
            vocabulary = ck.vocabulary;
            pool = c.pool;
            defaultMaxLength = c.maxLength;
        }
        FeatureSource features = caching.featureSource(encoder, pool);
        CaptionDataset set = data.load(split, null);
        List<CaptionDataset.Example> images = set.examples();
        if (limit > 0 && limit < images.size()) {
            images = images.subList(0, limit);
        }
        DecodeOptions o = (beam == 1 ? DecodeOptions.greedy() : DecodeOptions.beam(beam))
                .withMaxLength(maxLength != null ? maxLength : defaultMaxLength);
        long t0 = System.nanoTime();
        List<Evaluator.Prediction> p = Evaluator.predict(AttentionDecoderStep.of(network), images, features, vocabulary, o, 16,
                "decoding", new ProgressBarListener());
        double secs = (System.nanoTime() - t0) / 1e9;
        Evaluator.Metrics m = Evaluator.score(p, new Tokenizer());
        Path outFile = predictions != null ? predictions
                : model.toAbsolutePath().getParent().resolve("predictions-" + set.name() + ".json");
        ObjectMapper json = new ObjectMapper();
        ArrayNode arr = json.createArrayNode();
        for (Evaluator.Prediction x : p) {
            ObjectNode n = arr.addObject();
            if (x.example.imageId.matches("\\d{1,18}")) {
                n.put("image_id", Long.parseLong(x.example.imageId));
            } else {
                n.put("image_id", x.example.imageId);
            }
            n.put("caption", x.caption());
        }
        Files.writeString(outFile, json.writerWithDefaultPrettyPrinter().writeValueAsString(arr));
        System.out.printf("%s, %d images, %s, %.1f s%n", set.name(), m.images, beam == 1 ? "greedy" : "beam " + beam, secs);
        System.out.println("| BLEU-1 | BLEU-2 | BLEU-3 | BLEU-4 | CIDEr-D | ROUGE-L |");
        System.out.println("|---|---|---|---|---|---|");
        System.out.printf("| %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |%n", m.bleu[0], m.bleu[1], m.bleu[2], m.bleu[3], m.ciderD, m.rougeL);
        System.out.println("Predictions: " + outFile);
        return 0;
    }
}
