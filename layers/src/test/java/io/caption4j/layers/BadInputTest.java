package io.caption4j.layers;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wrong shapes, ids and settings fail with messages that name the layer and the problem. */
class BadInputTest {
    static CaptionNetwork net() {
        return CaptionNetwork.builder().featureSize(10).pooledSize(4).projectionSize(6).embeddingSize(3)
                .hiddenSize(5).attentionSize(4).outputHiddenSize(5).vocabularySize(12).build();
    }

    @Test
    void wrongFeatureSize() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> net().outputSingle(
                Nd4j.rand(DataType.FLOAT, 2, 5, 9), Nd4j.rand(DataType.FLOAT, 2, 4), Nd4j.zeros(DataType.FLOAT, 2, 3)));
        assertTrue(e.getMessage().contains("projection") && e.getMessage().contains("[batch, regions, 10]"), e.getMessage());
    }

    @Test
    void wrongPooledSize() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> net().outputSingle(
                Nd4j.rand(DataType.FLOAT, 2, 5, 10), Nd4j.rand(DataType.FLOAT, 2, 7), Nd4j.zeros(DataType.FLOAT, 2, 3)));
        assertTrue(e.getMessage().contains("decoder") && e.getMessage().contains("pooled"), e.getMessage());
    }

    @Test
    void tokenOutsideVocabulary() {
        INDArray tokens = Nd4j.createFromArray(new float[][]{{1, 12}});
        Exception e = assertThrows(IllegalArgumentException.class, () -> net().outputSingle(
                Nd4j.rand(DataType.FLOAT, 1, 5, 10), Nd4j.rand(DataType.FLOAT, 1, 4), tokens));
        assertTrue(e.getMessage().contains("token id 12"), e.getMessage());
        AttentionDecoderStep step = AttentionDecoderStep.of(net());
        AttentionDecoderStep.State s = step.start(Nd4j.rand(DataType.FLOAT, 1, 5, 10), Nd4j.rand(DataType.FLOAT, 1, 4), null);
        assertThrows(IllegalArgumentException.class, () -> step.step(s, new int[]{-1}));
        assertThrows(IllegalArgumentException.class, () -> step.step(s, new int[]{1, 2}));
    }

    @Test
    void invalidConfigurations() {
        assertThrows(IllegalArgumentException.class, () -> AttentionDecoder.builder().featureSize(4).pooledSize(4)
                .embeddingSize(4).hiddenSize(4).attentionSize(4).vocabularySize(10).cellType(CellType.GRU)
                .attentionState(AttentionState.H_AND_C).build());
        assertThrows(IllegalArgumentException.class, () -> AttentionDecoder.builder().featureSize(4).build());
        assertThrows(IllegalArgumentException.class, () -> new LstmCell(0, 3));
        assertThrows(IllegalArgumentException.class, () -> AdditiveAttention.builder().featureSize(3).stateSize(2)
                .attentionSize(2).hiddenSize(5).build());
        assertThrows(IllegalArgumentException.class, () -> CaptionEmbedding.builder().vocabularySize(10).embeddingSize(3)
                .mode(EmbeddingMode.FROZEN).build());
        Exception e = assertThrows(IllegalArgumentException.class, () -> CaptionEmbedding.builder().vocabularySize(10)
                .embeddingSize(3).mode(EmbeddingMode.FINE_TUNE).pretrained(Nd4j.rand(DataType.FLOAT, 10, 4)).build());
        assertTrue(e.getMessage().contains("[10, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CaptionNetwork.builder().build());
        assertThrows(IllegalArgumentException.class, () -> FeatureProjection.builder().nIn(3).build());
    }
}
