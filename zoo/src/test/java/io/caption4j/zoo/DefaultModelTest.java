package io.caption4j.zoo;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.layers.AttentionDecoder;
import io.caption4j.layers.CaptionNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The shipped model describes the sample photos with vocabulary words, reproducibly and across save and load. */
class DefaultModelTest {
    static final Path PHOTOS = Path.of("../../shared/data/images");
    static CaptionModel model;
    static List<BufferedImage> photos = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        assumeTrue(Files.isRegularFile(NsfwjsPackage.tarball()),
                "nsfwjs@4.4.0 is not in the cache: skipping the default-model test");
        model = CaptionModel.pretrained();
        ImageLoader loader = new ImageLoader();
        if (Files.isDirectory(PHOTOS)) {
            try (Stream<Path> files = Files.list(PHOTOS)) {
                files.sorted().limit(6).forEach(p -> photos.add(loader.read(p)));
            }
        } else {
            photos.add(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB));
        }
    }

    @Test
    void describesPhotosWithVocabularyWordsReproducibly(@TempDir Path tmp) throws Exception {
        List<String> first = new ArrayList<>();
        for (BufferedImage p : photos) {
            Caption c = model.describe(p);
            assertFalse(c.tokens().isEmpty());
            for (String w : c.tokens()) {
                assertTrue(model.vocabulary().contains(w), w);
            }
            assertEquals(c.text(), model.describe(p).text());
            first.add(c.text());
        }
        Path file = tmp.resolve("again.zip");
        model.save(file, true);
        try (CaptionModel again = CaptionModel.load(file)) {
            for (int i = 0; i < photos.size(); i++) {
                assertEquals(first.get(i), again.describe(photos.get(i)).text());
            }
        }
        List<Caption> batch = model.describeAll(photos);
        for (int i = 0; i < photos.size(); i++) {
            assertEquals(first.get(i), batch.get(i).text());
        }
    }

    @Test
    void itsAttentionIsNotUniform() {
        assumeTrue(photos.size() > 1, "no sample photos");
        double entropy = 0;
        int words = 0;
        for (BufferedImage p : photos) {
            Caption c = model.describe(p);
            for (int i = 0; i < c.tokens().size(); i++) {
                double h = 0;
                for (float[] row : c.attention(i)) {
                    for (float a : row) {
                        h -= a > 0 ? a * Math.log(a) : 0;
                    }
                }
                entropy += h / Math.log(c.gridHeight() * c.gridWidth());
                words++;
            }
        }
        entropy /= words;
        // the model shipped before issue 10 attended uniformly (0.99-1.00 on every word)
        assertTrue(entropy < 0.95, "mean attention entropy / ln L " + entropy);
    }

    @Test
    void itsNetworkRefusesAnotherFeatureGrid() {
        // the default network records its 9x9 grid: built with a wrong pool window, it says so instead of describing
        assertEquals(81, ((AttentionDecoder) model.network().getConfiguration().getVertices().get(CaptionNetwork.DECODER))
                .getRegions());
        try (CaptionModel wrong = CaptionModel.builder().setEncoder(model.encoder()).setVocabulary(model.vocabulary())
                .setDecoder(model.network()).optPoolWindow(3).build()) {
            String m = assertThrows(CaptionException.class, () -> wrong.describe(photos.get(0))).getMessage();
            assertTrue(m.contains("81") && m.contains("optPoolWindow"), m);
        }
        assertFalse(model.describe(photos.get(0)).text().isEmpty(), "the shared network still describes");
    }

    @Test
    void aDamagedModelIsRefused() throws Exception {
        byte[] bytes;
        try (InputStream in = DefaultModel.class.getResourceAsStream(DefaultModel.RESOURCE)) {
            bytes = in.readAllBytes();
        }
        bytes[bytes.length / 2] ^= 1;
        byte[] damaged = bytes;
        String m = assertThrows(CaptionException.class, () -> DefaultModel.verified(damaged, DefaultModel.SHA256)).getMessage();
        assertTrue(m.contains("checksum"), m);
    }
}
