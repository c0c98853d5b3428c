package io.caption4j.core.data;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class HorizontalFlipTest {
    @Test
    void mirrorsEachRowOfTheGridAndKeepsThePooledVector() {
        INDArray spatial = Nd4j.arange(2 * 3 * 2).castTo(DataType.FLOAT).reshape(6, 2);    // [h*w = 2*3, c = 2]
        EncodedImage e = new EncodedImage(spatial, Nd4j.ones(DataType.FLOAT, 5), 2, 3);
        EncodedImage f = HorizontalFlip.flip(e);
        // row 0 regions 0,1,2 -> 2,1,0; row 1 regions 3,4,5 -> 5,4,3
        assertArrayEquals(new float[]{4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7}, f.spatial().dup('c').data().asFloat());
        assertSame(e.pooled(), f.pooled());
        assertEquals(e.spatial(), HorizontalFlip.flip(f).spatial(), "twice is the identity");
    }

    @Test
    void swapsLeftAndRightAsWholeWords() {
        assertEquals("a dog to the right of a man with his left hand up",
                HorizontalFlip.swapLeftRight("a dog to the left of a man with his right hand up"));
        assertEquals("Right, then Left... leftover bright", HorizontalFlip.swapLeftRight("Left, then Right... leftover bright"));
        assertEquals("no sides here", HorizontalFlip.swapLeftRight("no sides here"));
    }

    @Test
    void aSeededBatchFlipsAboutHalfThePairsTheSameWayEachTime(@TempDir Path dir) throws Exception {
        Tokenizer tok = new Tokenizer();
        Vocabulary vocab = Vocabulary.build(List.of(tok.tokenize("a dog on the left right")), 1, 0);
        Path photo = dir.resolve("img.png");
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", photo.toFile());
        CaptionDataset.Example ex = new CaptionDataset.Example("img", photo, List.of("a dog on the left"));
        INDArray spatial = Nd4j.arange(4 * 2).castTo(DataType.FLOAT).reshape(4, 2);         // 2x2 grid, 2 channels
        ImageEncoder encoder = new ImageEncoder() {
            @Override
            public EncodedImage encode(BufferedImage image) {
                return new EncodedImage(spatial, spatial.mean(0), 2, 2);
            }

            @Override
            public String id() {
                return "fixed";
            }
        };
        FeatureSource source = new FeatureSource(encoder, 1, null, new ImageLoader(), 8);
        CaptionDataset one = new CaptionDataset() {
            public String name() { return "one"; }
            public List<CaptionDataset.Example> examples() { return List.of(ex); }
            public Report report() { return new Report(); }
        };
        List<EpochSampler.Pair> pairs = EpochSampler.epoch(one, 0, 1).stream()
                .flatMap(p -> Collections.nCopies(200, p).stream()).toList();
        CaptionBatcher batcher = new CaptionBatcher(vocab, tok, 10);
        MultiDataSet a = batcher.readBatch(pairs, source, new Random(7)).data;
        MultiDataSet b = batcher.readBatch(pairs, source, new Random(7)).data;
        assertEquals(a.getFeatures(0), b.getFeatures(0));
        int flipped = 0, left = vocab.id("left"), right = vocab.id("right");
        for (int i = 0; i < 200; i++) {
            boolean mirrored = a.getFeatures(0).getFloat(i, 0, 0) == 2f;                     // region 0 now holds region 1
            int word = a.getLabels(0).getInt(i, 0, 4);                                       // a dog on the [left]
            assertEquals(mirrored ? right : left, word, "pair " + i + ": the caption follows the features");
            flipped += mirrored ? 1 : 0;
        }
        assertTrue(flipped > 70 && flipped < 130, flipped + " of 200 flipped");
        MultiDataSet none = batcher.readBatch(pairs, source).data;
        assertEquals(0f, none.getFeatures(0).getFloat(0, 0, 0));
    }
}
