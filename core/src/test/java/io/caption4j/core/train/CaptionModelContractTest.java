package io.caption4j.core.train;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.data.CaptionBatcher;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/** What a library user relies on: every input form, clear errors, fine-tuning seen by describe and save, close. */
class CaptionModelContractTest {
    @TempDir
    Path tmp;
    private final List<BufferedImage> photos = new ArrayList<>();
    private Path file;

    @BeforeEach
    void photos() throws IOException {
        Path csv = ToyData.write(tmp.resolve("data"), 6, 9);
        for (int i = 0; i < 6; i++) {
            photos.add(ImageIO.read(csv.getParent().resolve("img" + i + ".png").toFile()));
        }
        file = csv.getParent().resolve("img0.png");
    }

    private static CaptionModel model() {
        Tokenizer tok = new Tokenizer();
        Vocabulary vocabulary = Vocabulary.build(List.of(tok.tokenize("a red green blue square box on at the left right")), 1, 0);
        Nd4j.getRandom().setSeed(1);
        return CaptionModel.builder().setEncoder("toy").setVocabulary(vocabulary)
                .setDecoder(CaptionNetwork.builder().featureSize(6).pooledSize(6).projectionSize(8).embeddingSize(5)
                        .hiddenSize(8).attentionSize(8).outputHiddenSize(8).seed(3))
                .optBeamSize(2).optMaxLength(6).build();
    }

    @Test
    void everyImageFormGivesTheSameCaptionAndNullsSayWhatIsWrong() throws IOException {
        CaptionModel model = model();
        String expected = model.describe(ImageIO.read(file.toFile())).text();
        assertEquals(expected, model.describe(file).text());
        try (InputStream in = Files.newInputStream(file)) {
            assertEquals(expected, model.describe(in).text());
        }
        assertEquals(expected, model.describe(Files.readAllBytes(file)).text());
        assertEquals(expected, model.describe(file.toUri().toURL()).text());

        assertTrue(assertThrows(CaptionException.class, () -> model.describe((BufferedImage) null)).getMessage()
                .contains("null"));
        assertThrows(CaptionException.class, () -> model.describe((Path) null));
        assertThrows(CaptionException.class, () -> model.describe((InputStream) null));
        assertThrows(CaptionException.class, () -> model.describe((byte[]) null));
        assertThrows(CaptionException.class, () -> model.describe((java.net.URL) null));
        assertThrows(CaptionException.class, () -> model.describe(ImageIO.read(file.toFile()), null));
        String m = assertThrows(CaptionException.class, () -> model.describe(tmp.resolve("absent.png"))).getMessage();
        assertTrue(m.contains("absent.png"), m);
        m = assertThrows(CaptionException.class, () -> model.describe(new ByteArrayInputStream(new byte[]{1, 2, 3})))
                .getMessage();
        assertFalse(m.isEmpty());
        m = assertThrows(CaptionException.class, () -> model.describe(tmp.resolve("none.png").toUri().toURL()))
                .getMessage();
        assertTrue(m.contains("none.png"), m);

        Caption c = model.describe(ImageIO.read(file.toFile()), DecodeOptions.greedy());
        int n = c.tokens().size();
        m = assertThrows(IndexOutOfBoundsException.class, () -> c.attention(n)).getMessage();
        assertTrue(m.contains("has " + n + " words"), m);
        assertThrows(IndexOutOfBoundsException.class, () -> c.attention(-1));
    }

    @Test
    void fineTuningThroughNetworkIsWhatDescribeAndSaveUse() {
        CaptionModel model = model();
        DecodeOptions greedy = DecodeOptions.greedy().withMaxLength(6);
        List<String> before = texts(model.describeAll(photos, greedy));
        // fine-tune towards one caption for every photo
        List<EncodedImage> encoded = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (BufferedImage p : photos) {
            encoded.add(model.encoder().encode(p));
            captions.add("a blue box at the right");
        }
        MultiDataSet batch = new CaptionBatcher(model.vocabulary(), new Tokenizer(), 10).batch(encoded, captions);
        double loss0 = model.network().score(batch);
        for (int i = 0; i < 80; i++) {
            model.network().fit(batch);
        }
        assertTrue(model.network().score(batch) < loss0);
        List<String> after = texts(model.describeAll(photos, greedy));
        assertNotEquals(before, after, "describe sees the fine-tuned weights");
        Path file = tmp.resolve("tuned.zip");
        model.save(file);
        try (CaptionModel loaded = CaptionModel.load(file)) {
            assertEquals(after, texts(loaded.describeAll(photos, greedy)), "describe == save + load + describe");
        }
        // parameters changed by hand are seen after refresh()
        model.network().params().assign(0);
        model.refresh();
        model.save(file);
        try (CaptionModel loaded = CaptionModel.load(file)) {
            assertEquals(texts(model.describeAll(photos, greedy)), texts(loaded.describeAll(photos, greedy)));
        }
    }

    @Test
    void aPoolWindowThatChangesTheTrainedGridIsRefused() {
        Tokenizer tok = new Tokenizer();
        Vocabulary vocabulary = Vocabulary.build(List.of(tok.tokenize("a red square")), 1, 0);
        CaptionNetwork net = CaptionNetwork.builder().featureSize(6).pooledSize(6).projectionSize(8).embeddingSize(5)
                .hiddenSize(8).attentionSize(8).outputHiddenSize(8).vocabularySize(vocabulary.size()).regions(4).build();
        CaptionModel good = CaptionModel.builder().setEncoder("toy").setVocabulary(vocabulary).setDecoder(net).build();
        assertNotNull(good.describe(photos.get(0)).text());                      // the toy encoder's 2x2 grid: 4 regions
        CaptionModel pooled = CaptionModel.builder().setEncoder("toy").setVocabulary(vocabulary).setDecoder(net)
                .optPoolWindow(2).build();                                         // 1 region
        String m = assertThrows(CaptionException.class, () -> pooled.describe(photos.get(0))).getMessage();
        assertTrue(m.contains("trained on 4 feature regions") && m.contains("gives 1 (1x1)") && m.contains("optPoolWindow"), m);
        Path file = tmp.resolve("regions.zip");
        good.save(file);
        try (CaptionModel back = CaptionModel.load(file)) {
            assertEquals(4, ((io.caption4j.layers.AttentionDecoder) back.network().getConfiguration().getVertices()
                    .get(CaptionNetwork.DECODER)).getRegions(), "saved with the model");
        }
    }

    @Test
    void aClosedModelRefusesWorkAndClosingTwiceIsHarmless() {
        CaptionModel model = model();
        model.close();
        model.close();
        assertTrue(assertThrows(CaptionException.class, () -> model.describe(photos.get(0)))
                .getMessage().contains("closed"));
        assertTrue(assertThrows(CaptionException.class, () -> model.save(tmp.resolve("x.zip"))).getMessage()
                .contains("closed"));
        assertFalse(Files.exists(tmp.resolve("x.zip")));
        assertThrows(CaptionException.class, model::refresh);
    }

    private static List<String> texts(List<Caption> captions) {
        List<String> out = new ArrayList<>();
        captions.forEach(c -> out.add(c.text()));
        return out;
    }
}
