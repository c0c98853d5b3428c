package io.caption4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.eval.ObjectMentions;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.train.Evaluator;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Decodes a test set with a trained model, prints the metrics table and writes COCO-format predictions. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Caption every image of a data set with a trained model, print BLEU-1..4, CIDEr-D and ROUGE-L,",
                "and write the predictions in the COCO results format ([{\"image_id\": ..., \"caption\": ...}])."})
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true,
            description = "A model file (from export) or a training checkpoint (checkpoint.zip, best.zip).")
    Path model;
    @Mixin
    DataOptions data;
    @Option(names = "--split", defaultValue = "TEST",
            description = "flickr8k split: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Datasets.Split split;
    @Option(names = "--beam", defaultValue = "3", description = "Beam size, 1 = greedy (default: ${DEFAULT-VALUE}).")
    int beam;
    @Option(names = "--max-length", description = "Maximum caption length (default: the model's).")
    Integer maxLength;
    @Option(names = "--length-penalty", description = "Beam scores are log P / length^alpha: 0 = raw "
            + "log-probability (favours short captions), 1 = per-word mean (default: the model's, 1 for a checkpoint).")
    Double lengthPenalty;
    @Option(names = "--no-repeat-ngram", description = "Never repeat an n-gram of this many words in a caption, 0 = no "
            + "blocking (default: the model's).")
    Integer noRepeatNgram;
    @Option(names = "--limit", defaultValue = "0", description = "Only the first N images, 0 = all (default: ${DEFAULT-VALUE}).")
    int limit;
    @Option(names = "--predictions",
            description = "Where to write the COCO results JSON (default: predictions-<split>.json beside the model).")
    Path predictions;
    @Mixin
    CacheOptions caching;

    @Override
    public Integer call() throws IOException {
        if (beam < 1) {
            throw new IllegalArgumentException("--beam must be >= 1");
        }
        if (lengthPenalty != null && !(lengthPenalty >= 0)) {
            throw new IllegalArgumentException("--length-penalty must be >= 0");
        }
        if (noRepeatNgram != null && noRepeatNgram < 0) {
            throw new IllegalArgumentException("--no-repeat-ngram must be >= 0");
        }
        try (CaptionModel m = ModelFiles.open(model)) {
            return evaluate(m);
        }
    }

    private int evaluate(CaptionModel m) throws IOException {
        FeatureSource features = caching.featureSource(m.encoder(), m.poolWindow());
        CaptionDataset set = data.load(split);
        List<CaptionDataset.Example> images = set.examples();
        if (limit > 0 && limit < images.size()) {
            images = images.subList(0, limit);
        }
        DecodeOptions o = DecodeOptions.beamOrGreedy(beam).withModelDefaults(m.defaultOptions())
                .withMaxLength(maxLength != null ? maxLength : m.defaultOptions().maxLength);
        if (beam > 1 && lengthPenalty != null) {
            o = o.withLengthPenalty(lengthPenalty);
        }
        if (noRepeatNgram != null) {
            o = o.withNoRepeatNgram(noRepeatNgram);
        }
        long t0 = System.nanoTime();
        List<Evaluator.Prediction> p = Evaluator.predict(m, images, features, o, 16, "decoding", new ProgressBarListener());
        double secs = (System.nanoTime() - t0) / 1e9;
        Evaluator.Metrics scores = Evaluator.score(p, new Tokenizer());
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
        String decoding = (beam == 1 ? "greedy" : "beam " + beam + ", length penalty " + o.lengthPenalty)
                + (o.noRepeatNgram > 0 ? ", no repeated " + o.noRepeatNgram + "-gram" : "")
                + (m.networks().size() > 1 ? ", ensemble of " + m.networks().size() + " decoders" : "");
        System.out.printf("%s, %d images, %s, %.1f s%n", set.name(), scores.images, decoding, secs);
        System.out.println("| BLEU-1 | BLEU-2 | BLEU-3 | BLEU-4 | CIDEr-D | ROUGE-L |");
        System.out.println("|---|---|---|---|---|---|");
        System.out.printf("| %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |%n", scores.bleu[0], scores.bleu[1], scores.bleu[2],
                scores.bleu[3], scores.ciderD, scores.rougeL);
        System.out.printf("Attention: entropy / ln L %.3f (1 = uniform), max alpha / (1/L) %.2f (1 = uniform), over %d words%n",
                scores.attention.entropyRatio(), scores.attention.maxRatio(), scores.attention.words());
        System.out.println("Object mentions (present: at least " + ObjectMentions.MIN_REFERENCES + " references say the word):");
        System.out.print(ObjectMentions.table(scores.mentions));
        long distinct = p.stream().map(Evaluator.Prediction::caption).distinct().count();
        System.out.printf("Distinct captions: %d of %d%n", distinct, p.size());
        System.out.println("Predictions: " + outFile);
        return 0;
    }
}
