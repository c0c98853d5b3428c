package io.caption4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.ImageLoader;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** One caption per image, with the default model or a given one. */
@Command(name = "describe", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Describe images in words: one caption per image.")
final class DescribeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "JPEG, PNG, BMP or GIF files.")
    List<Path> images;
    @Option(names = "--model", description = "A model file or a training checkpoint (default: the built-in Flickr8k model).")
    Path model;
    @Option(names = "--beam", description = "Beam size, 1 = greedy, at most 50 (default: the model's).")
    Integer beam;
    @Option(names = "--max-length", description = "Maximum caption length in words, at most 200 (default: the model's).")
    Integer maxLength;
    @Option(names = "--no-repeat-ngram", description = "Never repeat an n-gram of this many words in a caption, 0 = no "
            + "blocking (default: the model's).")
    Integer noRepeatNgram;
    @Option(names = "--json", description = "One JSON object per line: image, caption, tokens, logprob, ms.")
    boolean json;
    @Option(names = "--attention", paramLabel = "PNG",
            description = "Write the attention figure (photo, then each word's attention map) to this PNG; "
            + "with several images, -1, -2, ... are added before .png.")
    Path attention;

    /** Largest beam and caption length accepted (a beam of 1,000 took 3.7 GB). */
    static final int MAX_BEAM = 50, MAX_LENGTH = 200;

    @Override
    public Integer call() throws IOException {
        if (noRepeatNgram != null && noRepeatNgram < 0) {
            throw new IllegalArgumentException("--no-repeat-ngram must be >= 0 (0 = no blocking)");
        }
        if ((beam != null && (beam < 1 || beam > MAX_BEAM)) || (maxLength != null && (maxLength < 1 || maxLength > MAX_LENGTH))) {
            throw new IllegalArgumentException("--beam must be between 1 and " + MAX_BEAM + " and --max-length between 1 and "
                    + MAX_LENGTH);
        }
        if (attention != null) {           // before the model loads: a bad output path is a one-line error at once
            for (int i = 0; i < images.size(); i++) {
                checkOutputFile(images.size() == 1 ? attention : numbered(attention, i + 1));
            }
        }
        ImageLoader loader = new ImageLoader();
        ObjectMapper mapper = new ObjectMapper();
        if (model == null) {
            EncoderOptions.fetchWeights();   // with a bar, before the default model asks for them
        }
        try (CaptionModel m = model == null ? CaptionModel.pretrained() : ModelFiles.open(model)) {
            DecodeOptions d = m.defaultOptions();
            DecodeOptions o = (beam == null ? d : DecodeOptions.beamOrGreedy(beam).withModelDefaults(d))
                    .withMaxLength(maxLength != null ? maxLength : d.maxLength);
            if (noRepeatNgram != null) {
                o = o.withNoRepeatNgram(noRepeatNgram);
            }
            int failed = 0;
            for (int i = 0; i < images.size(); i++) {
                Path p = images.get(i);
                BufferedImage img;
                try {
                    img = loader.read(p);
                } catch (CaptionException e) {
                    System.err.println("error: " + e.getMessage());
                    failed++;
                    continue;
                }
                Caption c = m.describe(img, o);
                if (json) {
                    ObjectNode n = mapper.createObjectNode().put("image", p.toString()).put("caption", c.text());
                    c.tokens().forEach(n.putArray("tokens")::add);
                    n.put("logprob", c.logProb()).put("ms", Math.round(c.millis()));
                    System.out.println(mapper.writeValueAsString(n));
                } else {
                    System.out.println(images.size() > 1 ? p + ": " + c.text() : c.text());
                }
                if (attention != null) {
                    Path out = images.size() == 1 ? attention : numbered(attention, i + 1);
                    checkOutputFile(out);
                    try (OutputStream os = Files.newOutputStream(out)) {   // never ImageIO.write(File): it deletes first
                        ImageIO.write(AttentionFigure.render(img, c), figureFormat(out), os);
                    } catch (IOException e) {
                        throw new CaptionException(out + ": cannot write the attention figure (" + e.getMessage() + ")", e);
                    }
                    System.err.println("Attention figure: " + out);
                }
            }
            return failed == 0 ? 0 : 1;
        }
    }

    /** Refuses an output file that is a directory, or whose folder does not exist, in one line. */
    static void checkOutputFile(Path out) {
        if (Files.isDirectory(out)) {
            throw new CaptionException(out + " is a directory; give a file name for the figure, e.g. "
                    + out.resolve("attention.png") + " (the directory is left as it is)");
        }
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new CaptionException(out + ": the folder " + dir + " does not exist; create it first");
        }
    }

    static Path numbered(Path file, int i) {
        String n = file.getFileName().toString();
        String stem = n.toLowerCase().endsWith(".png") ? n.substring(0, n.length() - 4) : n;
        return file.resolveSibling(stem + "-" + i + ".png");
    }

    /** JPEG for a .jpg or .jpeg name, PNG otherwise: the file's contents match its name. */
    static String figureFormat(Path out) {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jpg") || name.endsWith(".jpeg") ? "jpg" : "png";
    }
}
