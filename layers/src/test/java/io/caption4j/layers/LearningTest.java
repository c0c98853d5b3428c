package io.caption4j.layers;

import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The network memorises 8 random feature maps with 8 short captions (fit() with Adam and a DL4J listener). */
class LearningTest {

    @ParameterizedTest
    @EnumSource(CellType.class)
    void overfitsEightCaptions(CellType cell) {
        int n = 8, regions = 16, feat = 32, vocab = 20, steps = 6;
        Nd4j.getRandom().setSeed(5);
        CaptionNetwork net = CaptionNetwork.builder().featureSize(feat).pooledSize(feat).projectionSize(32)
                .embeddingSize(16).hiddenSize(32).attentionSize(32).outputHiddenSize(32).vocabularySize(vocab)
                .cellType(cell).attentionPenalty(0.01).updater(new Adam(1e-2)).seed(5).build();
        net.setListeners(new ScoreIterationListener(100));
        INDArray feats = Nd4j.rand(DataType.FLOAT, n, regions, feat);
        INDArray pooled = feats.mean(1);
        // captions: <start>=0, words, <end>=1, then padding masked out
        INDArray input = Nd4j.zeros(DataType.FLOAT, n, steps);
        INDArray target = Nd4j.zeros(DataType.FLOAT, n, 1, steps);
        INDArray mask = Nd4j.zeros(DataType.FLOAT, n, steps);
        for (int i = 0; i < n; i++) {
            int len = 3 + i % 3;
            for (int t = 0; t <= len; t++) {
                int word = t == len ? 1 : 2 + (i * 5 + t * 3) % (vocab - 2);
                target.putScalar(i, 0, t, word);
                if (t + 1 < steps) {
                    input.putScalar(i, t + 1, word);
                }
                mask.putScalar(i, t, 1);
            }
        }
        MultiDataSet data = new MultiDataSet(new INDArray[]{feats, pooled, input}, new INDArray[]{target},
                new INDArray[]{null, null, mask}, new INDArray[]{mask});
        double first = net.score(data);
        for (int i = 0; i < 300; i++) {
            net.fit(data);
        }
        double last = net.score(data);
        System.out.printf("%s: loss %.4f -> %.4f after 300 steps%n", cell, first, last);
        assertTrue(last < 0.15, "summed cross-entropy per caption " + first + " -> " + last + " (about 0.02 per token expected)");

        // greedy decoding from <start> reproduces every caption
        AttentionDecoderStep step = AttentionDecoderStep.of(net);
        AttentionDecoderStep.State s = step.start(feats, pooled, null);
        int[] tokens = new int[n];
        for (int t = 0; t < steps; t++) {
            AttentionDecoderStep.Output o = step.step(s, tokens);
            tokens = o.logits.argMax(1).toIntVector();
            for (int i = 0; i < n; i++) {
                if (mask.getDouble(i, t) > 0) {
                    assertEquals(target.getInt(i, 0, t), tokens[i], "caption " + i + " word " + t);
                }
            }
            s = o.state;
        }
    }

    /** The attention entropy term does what it is for: the same training with it ends with much more peaked attention. */
    @Test
    void attentionEntropyTermPeaksTheAttention() {
        double without = meanAttentionEntropy(0.0), with = meanAttentionEntropy(0.05);
        System.out.printf("attention entropy / ln L after 100 steps: %.3f without the term, %.3f with it%n", without, with);
        assertTrue(with < 0.5 * without, "entropy / ln L " + without + " without the term, " + with + " with it");
    }

    private static double meanAttentionEntropy(double lambdaH) {
        int n = 8, regions = 16, feat = 32, vocab = 20, steps = 5;
        Nd4j.getRandom().setSeed(7);
        CaptionNetwork net = CaptionNetwork.builder().featureSize(feat).pooledSize(feat).projectionSize(32)
                .embeddingSize(16).hiddenSize(32).attentionSize(32).outputHiddenSize(32).vocabularySize(vocab)
                .attentionEntropy(lambdaH).updater(new Adam(1e-2)).seed(7).build();
        INDArray feats = Nd4j.rand(DataType.FLOAT, n, regions, feat);
        INDArray input = Nd4j.rand(DataType.FLOAT, n, steps).muli(vocab).castTo(DataType.INT32).castTo(DataType.FLOAT);
        INDArray target = Nd4j.rand(DataType.FLOAT, n, 1, steps).muli(vocab).castTo(DataType.INT32).castTo(DataType.FLOAT);
        MultiDataSet data = new MultiDataSet(new INDArray[]{feats, feats.mean(1), input}, new INDArray[]{target});
        for (int i = 0; i < 100; i++) {
            net.fit(data);
        }
        net.output(false, feats, feats.mean(1), input);
        INDArray alphas = ((AttentionDecoder.Impl) net.getVertex(CaptionNetwork.DECODER)).lastAlphas(); // [B, T, L]
        INDArray h = alphas.mul(Transforms.log(alphas.add(1e-12), false)).sum(2).negi();
        return h.meanNumber().doubleValue() / Math.log(regions);
    }
}
