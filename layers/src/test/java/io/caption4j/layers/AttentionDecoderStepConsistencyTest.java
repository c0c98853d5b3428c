package io.caption4j.layers;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/**
 * Streaming inference gives the same logits and attention as the teacher-forced pass over the same tokens, also when
 * the network has output dropout (which only a training pass applies).
 */
class AttentionDecoderStepConsistencyTest {

    @ParameterizedTest
    @EnumSource(CellType.class)
    void stepsEqualTeacherForcedPass(CellType cell) {
        int b = 3, l = 9, t = 7, v = 50;
        Nd4j.getRandom().setSeed(11);
        CaptionNetwork net = CaptionNetwork.builder().featureSize(32).pooledSize(24).projectionSize(16).embeddingSize(8)
                .hiddenSize(12).attentionSize(10).outputHiddenSize(14).vocabularySize(v).cellType(cell)
                .gated(true).outputDropout(0.5).dataType(DataType.FLOAT).build(); // dropout: in training only
        INDArray feats = Nd4j.rand(DataType.FLOAT, b, l, 32);
        INDArray pooled = Nd4j.rand(DataType.FLOAT, b, 24);
        INDArray tokens = Nd4j.rand(DataType.FLOAT, b, t).muli(v).castTo(DataType.INT32).castTo(DataType.FLOAT);
        INDArray regionMask = Nd4j.ones(DataType.FLOAT, b, l);
        regionMask.putScalar(1, l - 1, 0);
        net.setLayerMaskArrays(new INDArray[]{regionMask, null, null}, null);
        INDArray[] in = {feats, pooled, tokens};
        INDArray logits = net.feedForward(in, false).get(CaptionNetwork.DECODER).dup();               // [B, V, T]
        INDArray alphas = ((AttentionDecoder.Impl) net.getVertex(CaptionNetwork.DECODER)).lastAlphas().dup();
        double dropped = net.feedForward(in, true).get(CaptionNetwork.DECODER).sub(logits).amaxNumber().doubleValue();
        assertTrue(dropped > 1e-3, "a training pass must drop units of h, max difference " + dropped);

        AttentionDecoderStep step = AttentionDecoderStep.of(net);
        AttentionDecoderStep.State s = step.start(feats, pooled, regionMask);
        for (int i = 0; i < t; i++) {
            AttentionDecoderStep.Output o = step.step(s, tokens.get(all(), point(i)).toIntVector());
            Fixtures.assertClose(logits.get(all(), all(), point(i)), o.logits, 1e-5, 1e-6, "logits at step " + i);
            Fixtures.assertClose(alphas.get(all(), point(i), all()), o.alpha, 1e-5, 1e-6, "alpha at step " + i);
            s = o.state;
        }
    }
}
