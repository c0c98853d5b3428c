package io.caption4j.zoo;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.caption4j.core.CaptionModel;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Resident memory (JavaCPP's {@code Pointer.physicalBytes()}) over many rounds of {@code pretrained()} / describe /
 * close: close() frees the model's network and decoder snapshot at once (about 78 MB per decoder; the default model has two), and
 * nothing accumulates over rounds: the encoder is shared through its documented cache.
 */
class ModelMemoryTest {
    static BufferedImage photo;

    @BeforeAll
    static void photo() {
        assumeTrue(Files.isRegularFile(NsfwjsPackage.tarball()),
                "nsfwjs@4.4.0 is not in the cache: skipping the memory test");
        photo = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 240; y++) {
            for (int x = 0; x < 320; x++) {
                photo.setRGB(x, y, (x * 255 / 320) << 16 | (y * 255 / 240) << 8 | 90);
            }
        }
    }

    /** The resident set after a collection has released what is unreachable. */
    private static long offHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            Pointer.deallocateReferences();
        }
        return Pointer.physicalBytes();
    }

    @Test
    void closeFreesTheNetworkAndTheDecoderSnapshotAtOnce() {
        CaptionModel model = CaptionModel.pretrained();
        model.describe(photo);
        long open = Pointer.physicalBytes();
        model.close();
        long closed = Pointer.physicalBytes();
        assertTrue(open - closed > 40_000_000, "close() gave back only " + (open - closed) + " bytes (from " + open + ")");
    }

    @Test
    void manyRoundsOfLoadDescribeCloseDoNotGrowOffHeapMemory() throws InterruptedException {
        List<Long> after = new ArrayList<>();
        String first = null;
        for (int round = 0; round < 10; round++) {
            try (CaptionModel model = CaptionModel.pretrained()) {
                String text = model.describe(photo).text();
                assertTrue(first == null || first.equals(text), "round " + round + ": " + text + " vs " + first);
                first = text;
            }
            after.add(offHeapAfterGc());
        }
        // the resident set wobbles by a few MB from round to round; a model's worth (about 156 MB) kept per round would show
        long growth = Collections.max(after.subList(6, 10)) - Collections.max(after.subList(0, 3));
        assertTrue(growth < 40_000_000, "the resident set grew by " + growth + " from rounds 1-3 to rounds 7-10: " + after);
    }
}
