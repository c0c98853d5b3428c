package io.caption4j.zoo;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.zoo.inception.InceptionV3Encoder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** One encoder instance serves several threads, with the same features as a lone caller; batches agree too. */
class InceptionV3ConcurrencyTest {

    @Test
    void concurrentCallersGetTheSameFeatures() throws Exception {
        assumeTrue(Files.isRegularFile(NsfwjsPackage.tarball()),
                "nsfwjs tarball not in the cache; fetch it with: " + NsfwjsPackage.fetchCommand());
        InceptionV3Encoder enc = InceptionV3Encoder.nsfwjs(InceptionV3Encoder.FeatureLayer.MIXED5);
        List<BufferedImage> images = new ArrayList<>();
        for (String name : new String[]{"chelsea.png", "coffee.png", "parrot.png"}) {
            try (InputStream in = getClass().getResourceAsStream("/fixtures/inception/" + name)) {
                images.add(new ImageLoader().read(in, name));
            }
        }
        List<EncodedImage> alone = new ArrayList<>();
        for (BufferedImage img : images) {
            alone.add(enc.encode(img));
        }
        assertEquals(17 * 17, alone.get(0).regions());
        assertEquals(768, alone.get(0).channels());
        List<EncodedImage> batch = enc.encodeAll(images);
        for (int i = 0; i < images.size(); i++) {
            double d = alone.get(i).spatial().sub(batch.get(i).spatial()).amaxNumber().doubleValue();
            assertTrue(d < 1e-3, "batched features differ from single by " + d);
        }
        EncodedImage mid = InceptionV3Encoder.nsfwjs(InceptionV3Encoder.FeatureLayer.MIXED7).encode(images.get(0));
        assertEquals(17, mid.gridHeight());
        assertEquals(768, mid.channels());
        // the deepest layer too (nested concatenations written in place), batched against single images
        InceptionV3Encoder deep = InceptionV3Encoder.nsfwjs(InceptionV3Encoder.FeatureLayer.MIXED10);
        List<EncodedImage> deepBatch = deep.encodeAll(images);
        for (int i = 0; i < images.size(); i++) {
            double d = deep.encode(images.get(i)).spatial().sub(deepBatch.get(i).spatial()).amaxNumber().doubleValue();
            assertTrue(d < 1e-3, "mixed10 batched features differ from single by " + d);
        }
        // a mixed5 grid with mixed10's pooled vector, in one pass: each part equals its own layer's
        List<EncodedImage> pair = InceptionEncoders.of("nsfwjs:MIXED5+MIXED10").encodeAll(images);
        for (int i = 0; i < images.size(); i++) {
            assertEquals(0.0, pair.get(i).spatial().sub(batch.get(i).spatial()).amaxNumber().doubleValue(), 1e-4);
            assertEquals(2048, pair.get(i).pooled().length());
            assertEquals(0.0, pair.get(i).pooled().sub(deepBatch.get(i).pooled()).amaxNumber().doubleValue(), 1e-4);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<EncodedImage>> futures = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                BufferedImage img = images.get(k % images.size());
                futures.add(pool.submit(() -> enc.encode(img)));
            }
            for (int k = 0; k < futures.size(); k++) {
                EncodedImage got = futures.get(k).get();
                double d = alone.get(k % images.size()).spatial().sub(got.spatial()).amaxNumber().doubleValue();
                assertTrue(d < 1e-4, "thread result differs by " + d);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
