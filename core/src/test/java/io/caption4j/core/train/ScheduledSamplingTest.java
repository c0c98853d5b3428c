package io.caption4j.core.train;

import java.util.Random;

import io.caption4j.layers.CaptionNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class ScheduledSamplingTest {
    static CaptionNetwork net() {
        return CaptionNetwork.builder().featureSize(6).pooledSize(6).projectionSize(5).embeddingSize(4).hiddenSize(6)
                .attentionSize(5).outputHiddenSize(5).vocabularySize(9).seed(2).build();
    }

    static MultiDataSet batch() {
        Nd4j.getRandom().setSeed(1);
        INDArray feats = Nd4j.rand(DataType.FLOAT, 2, 4, 6);
        INDArray tokens = Nd4j.create(new float[]{1, 4, 5, 6, 1, 7, 8, 0}, new long[]{2, 4});
        INDArray target = Nd4j.create(new float[]{4, 5, 6, 2, 7, 8, 2, 0}, new long[]{2, 1, 4});
        INDArray mask = Nd4j.create(new float[]{1, 1, 1, 1, 1, 1, 1, 0}, new long[]{2, 4});
        return new MultiDataSet(new INDArray[]{feats, feats.mean(1), tokens}, new INDArray[]{target},
                new INDArray[]{null, null, mask}, new INDArray[]{mask});
    }

    @Test
    void probabilityOneFeedsEveryPredictionAndZeroNone() {
        CaptionNetwork net = net();
        MultiDataSet b = batch();
        INDArray probs = net.output(false, b.getFeatures(), b.getFeaturesMaskArrays(), b.getLabelsMaskArrays())[0]; // [B, V, T]
        INDArray predicted = Nd4j.argMax(probs, 1);                                                                // [B, T]

        MultiDataSet all = batch();
        ScheduledSampling.apply(net, all, 1.0, new Random(0));
        INDArray t = all.getFeatures(2);
        for (int i = 0; i < 2; i++) {
            assertEquals(1, t.getInt(i, 0), "<start> is never replaced");
        }
        for (int s = 1; s < 4; s++) {
            assertEquals(predicted.getInt(0, s - 1), t.getInt(0, s));
        }
        assertEquals(predicted.getInt(1, 0), t.getInt(1, 1));
        assertEquals(predicted.getInt(1, 1), t.getInt(1, 2));
        assertEquals(0, t.getInt(1, 3), "padding is never replaced");

        MultiDataSet none = batch();
        ScheduledSampling.apply(net, none, 0.0, new Random(0));
        assertEquals(batch().getFeatures(2), none.getFeatures(2));
    }

    @Test
    void halfTheWordsAreReplacedAtHalfProbability() {
        CaptionNetwork net = net();
        int replaced = 0, total = 0;
        Random r = new Random(3);
        for (int k = 0; k < 200; k++) {
            MultiDataSet b = batch();
            INDArray before = b.getFeatures(2).dup();
            ScheduledSampling.apply(net, b, 0.5, r);
            INDArray probs = net.output(false, batch().getFeatures(), b.getFeaturesMaskArrays(), b.getLabelsMaskArrays())[0];
            INDArray predicted = Nd4j.argMax(probs, 1);
            for (int s = 1; s < 4; s++) {
                if (before.getInt(0, s) != predicted.getInt(0, s - 1)) {   // count only where a swap is visible
                    total++;
                    replaced += b.getFeatures(2).getInt(0, s) != before.getInt(0, s) ? 1 : 0;
                }
            }
        }
        assertTrue(total > 100, "too few visible positions: " + total);
        assertEquals(0.5, (double) replaced / total, 0.1);
    }
}
