package io.caption4j.core.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import io.caption4j.core.CaptionException;
import io.caption4j.core.data.CaptionDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointTest {
    @TempDir
    static Path tmp;
    static Path saved;
    static Checkpoint original;

    @BeforeAll
    static void train() throws IOException {
        CaptionDataset d = ToyData.dataset(ToyData.write(tmp.resolve("data"), 8, 4));
        TrainConfig c = ToyData.config();
        c.epochs = 1;
        original = new Trainer(c, d, null, ToyData.features(new ToyData.Encoder(), null), tmp.resolve("run"))
                .start(Trainer.vocabulary(d, c));
        saved = tmp.resolve("run").resolve(Trainer.LATEST);
    }

    @Test
    void roundTripKeepsEverything() throws IOException {
        Checkpoint back = Checkpoint.load(saved);
        assertEquals(original.config.toJson(), back.config.toJson());
        assertEquals(original.vocabulary, back.vocabulary);
        assertEquals(original.state.step, back.state.step);
        assertEquals(original.state.history.get(0).trainLoss, back.state.history.get(0).trainLoss, 0);
        assertEquals(original.network.params(), back.network.params());
        assertEquals(original.network.getUpdater().getStateViewArray(), back.network.getUpdater().getStateViewArray());
        assertEquals(original.network.getConfiguration().getIterationCount(),
                back.network.getConfiguration().getIterationCount());
    }

    private static String error(Path file) {
        return assertThrows(CaptionException.class, () -> Checkpoint.load(file)).getMessage();
    }

    @Test
    void badFilesSayWhatIsWrong() throws IOException {
        assertTrue(error(tmp.resolve("nothing.zip")).contains("No checkpoint"));

        Path text = tmp.resolve("text.zip");
        Files.writeString(text, "hello");
        assertTrue(error(text).contains("not a caption4j checkpoint"), error(text));

        byte[] bytes = Files.readAllBytes(saved);
        Path truncated = tmp.resolve("truncated.zip");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        String m = error(truncated);
        assertTrue(m.contains("truncated.zip") && (m.contains("damaged") || m.contains("incomplete")), m);

        Path other = tmp.resolve("other.zip");
        rewrite(saved, other, "format.txt", "caption4j-checkpoint/99".getBytes());
        assertTrue(error(other).contains("caption4j-checkpoint/99"), error(other));

        Path noNet = tmp.resolve("nonet.zip");
        rewrite(saved, noNet, "network.zip", null);
        assertTrue(error(noNet).contains("missing [network.zip]"), error(noNet));

        Path badConfig = tmp.resolve("badconfig.zip");
        rewrite(saved, badConfig, "config.json", "{\"batchSize\": \"many\"}".getBytes());
        assertTrue(error(badConfig).contains("configuration"), error(badConfig));
    }

    /** Copies a zip, replacing (or with null, dropping) one entry. */
    private static void rewrite(Path from, Path to, String entry, byte[] content) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(from));
             OutputStream os = Files.newOutputStream(to); ZipOutputStream out = new ZipOutputStream(os)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] b = in.readAllBytes();
                if (e.getName().equals(entry)) {
                    if (content == null) {
                        continue;
                    }
                    b = content;
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(b);
                out.closeEntry();
            }
        }
    }
}
