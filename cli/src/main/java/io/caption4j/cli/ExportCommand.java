package io.caption4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import io.caption4j.core.train.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Turns a training checkpoint into a CaptionModel zip (what describe, serve and CaptionModel.load read). */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Make a model file (CaptionModel zip) from a training checkpoint.")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "The training checkpoint (best.zip or checkpoint.zip).")
    Path checkpoint;
    @Option(names = "--out", required = true, description = "The model file to write.")
    Path out;
    @Option(names = "--float16", description = "Store parameters in float16 (half the size).")
    boolean half;
    @Option(names = "--beam", defaultValue = "3", description = "The model's default beam size (default: ${DEFAULT-VALUE}).")
    int beam;
    @Option(names = "--max-length", description = "The model's default maximum caption length (default: the training one).")
    Integer maxLength;
    @Option(names = "--no-repeat-ngram", defaultValue = "0",
            description = "The model's default n-gram blocking: no caption repeats an n-gram of this many words, 0 = none "
                    + "(default: ${DEFAULT-VALUE}).")
    int noRepeatNgram;
    @Option(names = "--length-penalty", defaultValue = "1.0",
            description = "The model's default beam length penalty: log P / length^alpha (default: ${DEFAULT-VALUE}).")
    double lengthPenalty;
    @Option(names = "--ensemble-member", paramLabel = "CHECKPOINT",
            description = "Another training checkpoint of the same vocabulary and encoder features, decoded with the first "
                    + "as an ensemble (the mean of their next-word distributions); repeat for more members.")
    List<Path> members = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        Checkpoint ck = Checkpoint.load(checkpoint);
        List<Checkpoint> others = new ArrayList<>();
        for (Path p : members) {
            Checkpoint other = Checkpoint.load(p);
            if (!other.vocabulary.toText().equals(ck.vocabulary.toText())) {
                throw new CaptionException(p + " has another vocabulary than " + checkpoint + " (" + other.vocabulary.size()
                        + " against " + ck.vocabulary.size() + " words): ensemble members must share theirs");
            }
            String spec = ck.config.encoderSpec().toString();
            if (!other.config.encoderSpec().toString().equals(spec) || other.config.pool != ck.config.pool) {
                throw new CaptionException(p + " was trained on " + other.config.encoderSpec() + " pooled " + other.config.pool
                        + "x" + other.config.pool + ", " + checkpoint + " on " + ck.config.encoderSpec() + " pooled "
                        + ck.config.pool + "x" + ck.config.pool + ": ensemble members must share their features");
            }
            others.add(other);
        }
        try (CaptionModel m = ModelFiles.fromCheckpoints(ck, others, beam,
                maxLength != null ? maxLength : ck.config.maxLength, noRepeatNgram, lengthPenalty)) {
            m.save(out, half);
        }
        System.out.printf("Wrote %s (%.1f MB, %s, epoch %d of the run%s)%n", out, Files.size(out) / 1e6,
                half ? "float16" : "float32", ck.state.epoch, others.isEmpty() ? "" : ", " + (others.size() + 1) + " members");
        return 0;
    }
}
