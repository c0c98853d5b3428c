package io.caption4j.core.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import io.caption4j.core.internal.Float16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class FeatureCacheTest {

    static EncodedImage sample(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray s = Nd4j.rand(DataType.FLOAT, 81, 7).muli(6).subi(1);
        return new EncodedImage(s, s.mean(0), 9, 9);
    }

    @Test
    void storesFloat16AndReusesEntries(@TempDir Path dir) throws Exception {
        FeatureCache cache = new FeatureCache(dir, "enc#mixed5/pool2");
        AtomicInteger computed = new AtomicInteger();
        EncodedImage original = sample(1);
        EncodedImage first = cache.get("img1.jpg", () -> { computed.incrementAndGet(); return original; });
        assertSame(original, first);
        EncodedImage again = cache.get("img1.jpg", () -> { computed.incrementAndGet(); return sample(2); });
        assertEquals(1, computed.get(), "the second get reads the cache");
        assertEquals(9, again.gridHeight());
        double rel = original.spatial().sub(again.spatial()).amaxNumber().doubleValue()
                / original.spatial().amaxNumber().doubleValue();
        assertTrue(rel < 1e-3, "float16 round trip error " + rel);
        assertTrue(original.pooled().sub(again.pooled()).amaxNumber().doubleValue() < 5e-3);
        // another encoder key is another entry
        new FeatureCache(dir, "other").get("img1.jpg", () -> { computed.incrementAndGet(); return original; });
        assertEquals(2, computed.get());
    }

    @Test
    void aPooledVectorFromAnotherLayerKeepsItsOwnSize(@TempDir Path dir) throws Exception {
        FeatureCache cache = new FeatureCache(dir, "enc#mixed5+mixed10/pool2");
        INDArray pooled = Nd4j.rand(DataType.FLOAT, 20).subi(0.5);                            // [20], not [7]
        cache.put("b", new EncodedImage(sample(4).spatial(), pooled, 9, 9));
        EncodedImage back = cache.find("b");
        assertArrayEquals(new long[]{20}, back.pooled().shape());
        assertArrayEquals(new long[]{81, 7}, back.spatial().shape());
        assertTrue(pooled.sub(back.pooled()).amaxNumber().doubleValue() < 1e-3);
    }

    @Test
    void unreadableEntriesAreRecomputedAndNoTempFilesRemain(@TempDir Path dir) throws Exception {
        FeatureCache cache = new FeatureCache(dir, "enc");
        cache.get("a", () -> sample(3));
        Path file = cache.path("a");
        Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 40));   // a truncated entry
        AtomicInteger computed = new AtomicInteger();
        EncodedImage e = cache.get("a", () -> { computed.incrementAndGet(); return sample(3); });
        assertEquals(1, computed.get());
        assertEquals(81, e.regions());
        assertTrue(cache.contains("a"));
        try (var s = Files.walk(dir)) {
            assertEquals(0, s.filter(p -> p.toString().endsWith(".tmp")).count());
        }
    }

    @Test
    void halfPrecisionConversion() {
        for (float v : new float[]{0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 0.1f, 1234.5f}) {
            float back = Float16.toFloat(Float16.fromFloat(v));
            assertEquals(v, back, Math.abs(v) * 1e-3 + 1e-8, "value " + v);
        }
        assertEquals(Float.POSITIVE_INFINITY, Float16.toFloat(Float16.fromFloat(1e6f)));
        assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN))));
    }
}
