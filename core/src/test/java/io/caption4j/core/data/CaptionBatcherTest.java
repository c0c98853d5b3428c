package io.caption4j.core.data;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class CaptionBatcherTest {
    final Tokenizer tok = new Tokenizer();
    final Vocabulary vocab = Vocabulary.build(List.of(tok.tokenize("a dog runs on grass"), tok.tokenize("a cat")), 1, 0);

    static EncodedImage image(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray s = Nd4j.rand(DataType.FLOAT, 4, 6);
        return new EncodedImage(s, s.mean(0), 2, 2);
    }

    @Test
    void buildsShiftedIdsAndMasksThatTrainTheNetwork() {
        CaptionBatcher batcher = new CaptionBatcher(vocab, tok, 10);
        MultiDataSet b = batcher.batch(List.of(image(1), image(2)), List.of("A dog runs on grass.", "A cat"));
        INDArray in = b.getFeatures(2), target = b.getLabels(0), mask = b.getLabelsMaskArray(0);
        assertArrayEquals(new long[]{2, 6}, in.shape());                 // longest: 5 words + <end> = 6 steps
        assertArrayEquals(new long[]{2, 1, 6}, target.shape());
        int a = vocab.id("a"), dog = vocab.id("dog"), cat = vocab.id("cat");
        assertEquals(Vocabulary.START_ID, in.getInt(0, 0));
        assertEquals(a, in.getInt(0, 1));
        assertEquals(a, target.getInt(0, 0, 0));
        assertEquals(dog, target.getInt(0, 0, 1));
        assertEquals(Vocabulary.END_ID, target.getInt(1, 0, 2));          // "a cat <end>"
        assertEquals(cat, target.getInt(1, 0, 1));
        assertArrayEquals(new float[]{1, 1, 1, 0, 0, 0}, mask.getRow(1).toFloatVector());
        assertArrayEquals(new long[]{2, 4, 6}, b.getFeatures(0).shape());
        // the batch trains a CaptionNetwork as it is
        CaptionNetwork net = CaptionNetwork.builder().featureSize(6).pooledSize(6).projectionSize(4).embeddingSize(3)
                .hiddenSize(4).attentionSize(3).outputHiddenSize(4).vocabularySize(vocab.size()).build();
        double before = net.score(b);
        for (int i = 0; i < 30; i++) {
            net.fit(b);
        }
        assertTrue(net.score(b) < before, "loss " + before + " -> " + net.score(b));
        // cut to maxLength: no <end>
        MultiDataSet cut = new CaptionBatcher(vocab, tok, 2).batch(List.of(image(1)), List.of("a dog runs on grass"));
        assertEquals(2, cut.getFeatures(2).size(1));
        assertEquals(dog, cut.getLabels(0).getInt(0, 0, 1));
    }

    @Test
    void aPooledVectorOfAnotherSizeTrainsANetworkOfThatPooledSize() {
        Nd4j.getRandom().setSeed(3);
        INDArray pooled = Nd4j.rand(DataType.FLOAT, 9);                                   // [P] = 9, channels 6
        EncodedImage e = new EncodedImage(image(1).spatial(), pooled, 2, 2);
        MultiDataSet b = new CaptionBatcher(vocab, tok, 10).batch(List.of(e, e), List.of("a dog", "a cat"));
        assertArrayEquals(new long[]{2, 9}, b.getFeatures(1).shape());
        CaptionNetwork net = CaptionNetwork.builder().featureSize(6).pooledSize(9).projectionSize(4).embeddingSize(3)
                .hiddenSize(4).attentionSize(3).outputHiddenSize(4).vocabularySize(vocab.size()).build();
        assertTrue(Double.isFinite(net.score(b)));
        EncodedImage other = new EncodedImage(image(2).spatial(), image(2).pooled(), 2, 2);     // pooled [6]
        String m = assertThrows(IllegalArgumentException.class,
                () -> new CaptionBatcher(vocab, tok, 10).batch(List.of(e, other), List.of("a", "a"))).getMessage();
        assertTrue(m.contains("pooled vector of 6"), m);
    }

    @Test
    void epochSamplingIsDeterministic() {
        CaptionDataset d = new CaptionDataset() {
            final List<Example> ex = List.of(new Example("x", Path.of("x"), List.of("1", "2", "3")),
                    new Example("y", Path.of("y"), List.of("4", "5")));
            public String name() { return "t"; }
            public List<Example> examples() { return ex; }
            public Report report() { return new Report(); }
        };
        assertEquals(5, EpochSampler.epoch(d, 0, 1).size());
        List<String> a = EpochSampler.epoch(d, 3, 7).stream().map(p -> p.caption).collect(Collectors.toList());
        assertEquals(a, EpochSampler.epoch(d, 3, 7).stream().map(p -> p.caption).collect(Collectors.toList()));
        assertEquals(3, a.size());
        assertThrows(IllegalArgumentException.class, () -> new CaptionBatcher(vocab, tok, 0));
    }
}
