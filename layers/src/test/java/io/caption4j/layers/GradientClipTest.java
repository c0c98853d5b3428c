package io.caption4j.layers;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import static org.junit.jupiter.api.Assertions.*;

/** Element-wise gradient clipping reaches every parameter, the custom decoder vertex's included. */
class GradientClipTest {
    private static MultiDataSet data() {
        Nd4j.getRandom().setSeed(3);
        INDArray feats = Nd4j.rand(DataType.FLOAT, 2, 4, 6).muli(10);
        INDArray tokens = Nd4j.create(new float[]{1, 4, 5, 1, 6, 7}, new long[]{2, 3});
        INDArray target = Nd4j.create(new float[]{4, 5, 2, 6, 7, 2}, new long[]{2, 1, 3});
        INDArray mask = Nd4j.ones(DataType.FLOAT, 2, 3);
        return new MultiDataSet(new INDArray[]{feats, feats.mean(1), tokens}, new INDArray[]{target},
                new INDArray[]{null, null, mask}, new INDArray[]{mask});
    }

    private static CaptionNetwork net(double clip) {
        return CaptionNetwork.builder().featureSize(6).pooledSize(6).projectionSize(5).embeddingSize(4).hiddenSize(6)
                .attentionSize(5).outputHiddenSize(5).vocabularySize(9).updater(new Sgd(1.0)).gradientClip(clip)
                .seed(11).build();
    }

    @Test
    void sgdStepsAreBoundedByTheClipThreshold() {
        double clip = 1e-3;
        CaptionNetwork clipped = net(clip), free = net(0);
        INDArray before = clipped.params().dup();
        assertEquals(before, free.params());
        clipped.fit(data());
        free.fit(data());
        INDArray stepClipped = clipped.params().sub(before), stepFree = free.params().sub(before);
        assertTrue(stepClipped.amaxNumber().doubleValue() <= clip * 1.0001, "a step exceeded the clip threshold");
        assertTrue(stepFree.amaxNumber().doubleValue() > 10 * clip, "the unclipped step should be larger");
        // the decoder's parameters move, and by at most the threshold
        INDArray dec = clipped.getVertex(CaptionNetwork.DECODER).params();
        assertTrue(dec.sub(net(clip).getVertex(CaptionNetwork.DECODER).params()).amaxNumber().doubleValue() > 0);
    }

    @Test
    void negativeThresholdIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net(-1));
        assertTrue(e.getMessage().contains("gradientClip"));
    }
}
