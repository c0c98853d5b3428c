package io.caption4j.core.train;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.decode.DecodeOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model from a checkpoint, and one way to open either file. */
class ModelFilesTest {
    @TempDir
    static Path tmp;
    static Path checkpointFile;
    static TrainConfig config;
    static BufferedImage photo;

    @BeforeAll
    static void train() throws IOException {
        Path csv = ToyData.write(tmp.resolve("data"), 8, 5);
        CaptionDataset d = ToyData.dataset(csv);
        config = ToyData.config();
        config.epochs = 1;
        config.pool = 1;
        config.encoder = "toy";      // the toy encoder's spec has no layer (ToyEncoderProvider)
        config.layer = null;
        new Trainer(config, d, null, ToyData.features(new ToyData.Encoder(), null), tmp.resolve("run"))
                .listener(TrainingListener.NONE).start(Trainer.vocabulary(d, config));
        checkpointFile = tmp.resolve("run").resolve(Trainer.LATEST);
        photo = ImageIO.read(csv.getParent().resolve("img0.png").toFile());
    }

    @Test
    void aCheckpointMakesAModelWithItsTrainingSettings() throws IOException {
        Checkpoint ck = Checkpoint.load(checkpointFile);
        try (CaptionModel m = ModelFiles.fromCheckpoint(ck)) {
            assertEquals(ck.vocabulary, m.vocabulary());
            assertEquals(config.pool, m.poolWindow());
            assertEquals(config.maxLength, m.defaultOptions().maxLength);
            assertEquals(3, m.defaultOptions().beamSize);
            assertEquals("toy-encoder/v1", m.encoder().id());
            assertEquals(config.toJson(), TrainConfig.fromJson(m.trainingConfig()).toJson());
        }
        try (CaptionModel m = ModelFiles.fromCheckpoint(ck, 1, 7)) {
            assertEquals(DecodeOptions.Strategy.GREEDY, m.defaultOptions().strategy);
            assertEquals(7, m.defaultOptions().maxLength);
            assertEquals(0, m.defaultOptions().noRepeatNgram, "no blocking unless asked");
        }
    }

    @Test
    void aModelKeepsItsNgramBlockingAndLengthPenaltyThroughSaveAndLoad() throws IOException {
        Path file = tmp.resolve("blocking.zip");
        try (CaptionModel m = ModelFiles.fromCheckpoint(Checkpoint.load(checkpointFile), 4, 9, 3, 0.5)) {
            assertEquals(3, m.defaultOptions().noRepeatNgram);
            assertEquals(0.5, m.defaultOptions().lengthPenalty);
            m.save(file);
        }
        try (CaptionModel back = CaptionModel.load(file)) {
            assertEquals(3, back.defaultOptions().noRepeatNgram);
            assertEquals(0.5, back.defaultOptions().lengthPenalty);
            assertEquals(4, back.defaultOptions().beamSize);
        }
        try (CaptionModel plain = ModelFiles.fromCheckpoint(Checkpoint.load(checkpointFile), 4, 9)) {
            assertEquals(1.0, plain.defaultOptions().lengthPenalty, "per-word mean unless asked");
        }
        CaptionException bad = assertThrows(CaptionException.class,
                () -> ModelFiles.fromCheckpoint(Checkpoint.load(checkpointFile), 3, 9, 0, -1));
        assertTrue(bad.getMessage().contains("lengthPenalty"), bad.getMessage());
        CaptionException e = assertThrows(CaptionException.class,
                () -> ModelFiles.fromCheckpoint(Checkpoint.load(checkpointFile), 3, 9, -1));
        assertTrue(e.getMessage().contains("noRepeatNgram"), e.getMessage());
    }

    @Test
    void opensAModelFileOrACheckpoint() throws IOException {
        assertFalse(ModelFiles.isModel(checkpointFile));
        Path modelFile = tmp.resolve("model.zip");
        try (CaptionModel fromCheckpoint = ModelFiles.open(checkpointFile)) {
            fromCheckpoint.save(modelFile);
            assertTrue(ModelFiles.isModel(modelFile));
            try (CaptionModel fromModel = ModelFiles.open(modelFile)) {
                assertEquals(fromCheckpoint.vocabulary(), fromModel.vocabulary());
                assertEquals(fromCheckpoint.describe(photo).text(), fromModel.describe(photo).text());
                assertEquals(fromCheckpoint.describe(photo).logProb(), fromModel.describe(photo).logProb(), 1e-6);
            }
        }
    }

    @Test
    void badFilesSayWhatIsWrong() throws IOException {
        String m = assertThrows(CaptionException.class, () -> ModelFiles.open(tmp.resolve("none.zip"))).getMessage();
        assertTrue(m.contains("No checkpoint or model file") && m.contains("none.zip"), m);
        Path text = tmp.resolve("text.zip");
        Files.writeString(text, "hello");
        assertFalse(ModelFiles.isModel(text));
        m = assertThrows(CaptionException.class, () -> ModelFiles.open(text)).getMessage();
        assertTrue(m.contains("not a caption4j checkpoint"), m);
    }
}
