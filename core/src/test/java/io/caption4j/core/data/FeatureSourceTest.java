package io.caption4j.core.data;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

import io.caption4j.core.ProgressListener;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.FeatureCache;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.core.text.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class FeatureSourceTest {
    @TempDir
    Path tmp;

    /** 4x4 grid of the brightness of a 2x2 pooled image region; counts encoded images and batches. */
    static final class CountingEncoder implements ImageEncoder {
        final AtomicInteger images = new AtomicInteger(), batches = new AtomicInteger();

        @Override
        public EncodedImage encode(BufferedImage image) {
            images.incrementAndGet();
            float[] f = new float[16 * 2];
            for (int i = 0; i < 16; i++) {
                f[2 * i] = (image.getRGB(i % 4, i / 4) & 255) / 255f;
                f[2 * i + 1] = 1;
            }
            var s = Nd4j.create(f, new long[]{16, 2}, DataType.FLOAT);
            return new EncodedImage(s, s.mean(0), 4, 4);
        }

        @Override
        public List<EncodedImage> encodeAll(List<BufferedImage> images) {
            batches.incrementAndGet();
            return ImageEncoder.super.encodeAll(images);
        }

        @Override
        public String id() {
            return "counting";
        }
    }

    private List<CaptionDataset.Example> images(int n) throws Exception {
        List<CaptionDataset.Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
            img.setRGB(0, 0, i * 20);
            Path p = tmp.resolve("i" + i + ".png");
            ImageIO.write(img, "png", p.toFile());
            out.add(new CaptionDataset.Example("i" + i, p, List.of("caption " + i)));
        }
        return out;
    }

    @Test
    void encodesInBatchesPoolsCachesAndSkipsUnreadableImages() throws Exception {
        List<CaptionDataset.Example> ex = images(5);
        Files.writeString(ex.get(2).image, "broken");
        CountingEncoder enc = new CountingEncoder();
        FeatureSource src = new FeatureSource(enc, 2, new FeatureCache(tmp.resolve("cache"), FeatureSource.cacheKey(enc, 2)),
                new ImageLoader(), 2);
        Map<CaptionDataset.Example, EncodedImage> f = src.features(ex);
        assertEquals(4, f.size());
        assertFalse(f.containsKey(ex.get(2)));
        assertEquals(1, src.failedImages());
        assertEquals(4, enc.images.get());
        assertEquals(3, enc.batches.get());                 // 5 images in batches of 2
        EncodedImage e0 = f.get(ex.get(0));
        assertEquals(2, e0.gridHeight());                   // 4x4 pooled 2x2
        assertEquals(4, e0.regions());
        assertEquals((20 * 0 / 255f + 0) / 4, e0.spatial().getFloat(0, 0), 1e-3);
        EncodedImage e1 = f.get(ex.get(1));
        assertEquals(20 / 255f / 4, e1.spatial().getFloat(0, 0), 1e-3);

        Map<CaptionDataset.Example, EncodedImage> again = src.features(ex);
        assertEquals(4, enc.images.get(), "cached features are not recomputed");
        assertEquals(e1.spatial().getFloat(0, 0), again.get(ex.get(1)).spatial().getFloat(0, 0), 1e-3);
        assertEquals(0, src.precompute(List.of(ex.get(0), ex.get(1)), "x", ProgressListener.NONE));
    }

    @Test
    void lengthBatchesKeepEveryPairAndGroupSimilarLengths() {
        List<CaptionDataset.Example> ex = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ex.add(new CaptionDataset.Example("x" + i, Path.of("x" + i), List.of("w ".repeat(1 + i % 17))));
        }
        CaptionDataset d = new CaptionDataset() {
            public String name() { return "d"; }
            public List<Example> examples() { return ex; }
            public Report report() { return new Report(); }
        };
        List<EpochSampler.Pair> pairs = EpochSampler.epoch(d, 0, 1);
        Tokenizer tok = new Tokenizer();
        List<List<EpochSampler.Pair>> batches = EpochSampler.lengthBatches(pairs, 4, 10, c -> tok.tokenize(c).size(), 9);
        assertEquals(10, batches.size());
        Set<EpochSampler.Pair> seen = new HashSet<>();
        int spread = 0;
        for (List<EpochSampler.Pair> b : batches) {
            seen.addAll(b);
            int min = Integer.MAX_VALUE, max = 0;
            for (EpochSampler.Pair p : b) {
                int n = tok.tokenize(p.caption).size();
                min = Math.min(min, n);
                max = Math.max(max, n);
            }
            spread += max - min;
        }
        assertEquals(40, seen.size());
        assertTrue(spread <= 20, "batches mix lengths: total spread " + spread);
        assertEquals(batches.toString(), EpochSampler.lengthBatches(pairs, 4, 10, c -> tok.tokenize(c).size(), 9).toString());
    }
}
