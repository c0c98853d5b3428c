package io.caption4j.fuzz;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The readers of untrusted bytes, each called the way caption4j calls it, with the one failure they may have: a
 * {@link CaptionException}. Anything else escaping (another exception, an out-of-memory error, a hang) is a finding.
 */
final class Readers {
    /** A stand-in encoder: the seed model was saved with it, so a fuzzed model gets as far as its network. */
    static final class FuzzEncoder implements ImageEncoder {
        @Override
        public EncodedImage encode(BufferedImage image) {
            var s = Nd4j.zeros(DataType.FLOAT, 4, 3);
            return new EncodedImage(s, s.mean(0), 2, 2);
        }

        @Override
        public String id() {
            return "fuzz-encoder/v1";
        }
    }

    /** Limits small enough that the fuzzer's 2 GB heap is never the limit that holds. */
    static final ImageLoader LOADER = new ImageLoader(4_000_000, 1_000_000, 1 << 20);

    private Readers() {
    }

    static void image(byte[] data) {
        try {
            LOADER.read(data, "fuzz");
        } catch (CaptionException expected) {
            // a bad image, said so
        }
    }

    static void modelZip(byte[] data) {
        try (CaptionModel m = CaptionModel.load(new ByteArrayInputStream(data), "fuzz.zip", new FuzzEncoder())) {
            m.describe(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB));
        } catch (CaptionException expected) {
            // a bad model, said so
        }
    }

    /** A data file (suffix .csv, .jsonl, or .json for COCO) written to a temporary folder and loaded as train does. */
    static void dataFile(byte[] data, String suffix) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("caption4j-fuzz");
            Path file = Files.write(dir.resolve("captions" + suffix), data);
            Datasets.Format f = suffix.equals(".json") ? Datasets.Format.coco : Datasets.Format.file;
            Datasets.load(f, file, dir, null);
        } catch (CaptionException expected) {
            // a bad data file, said so
        } catch (IOException e) {
            throw new UncheckedIOException("the harness could not write its temporary file", e);
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind
        }
    }
}
