package io.caption4j.layers;

import java.io.File;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.*;

/** JSON configuration round trips and save/load round trips with identical outputs. */
class SerializationTest {

    static <T> T roundTrip(Object o, Class<T> type) throws Exception {
        String json = NeuralNetConfiguration.mapper().writeValueAsString(o);
        return NeuralNetConfiguration.mapper().readValue(json, type);
    }

    @Test
    void vertexConfigsRoundTripThroughJson() throws Exception {
        GraphVertex[] vertices = {
                AttentionDecoder.builder().featureSize(8).pooledSize(6).embeddingSize(5).hiddenSize(4).attentionSize(3)
                        .outputHiddenSize(7).vocabularySize(11).cellType(CellType.GRU).gated(true).attentionPenalty(0.25)
                        .attentionEntropy(0.125).outputDropout(0.375).regions(81).build(),
                AdditiveAttention.builder().featureSize(8).stateSize(6).hiddenSize(3).attentionSize(5).gated(true).build(),
                new LstmCell(4, 6), new GruCell(5, 2)};
        for (GraphVertex v : vertices) {
            GraphVertex back = roundTrip(v, GraphVertex.class);
            assertEquals(v, back, v.getClass().getSimpleName());
            assertEquals(v.numParams(true), back.numParams(true));
        }
        assertNotEquals(new LstmCell(4, 6), new LstmCell(4, 7));
        String old = "{\"@class\":\"io.caption4j.layers.AttentionDecoder\",\"featureSize\":8,\"pooledSize\":6,"
                + "\"embeddingSize\":5,\"hiddenSize\":4,\"attentionSize\":3,\"outputHiddenSize\":7,\"vocabularySize\":11}";
        AttentionDecoder before = (AttentionDecoder) NeuralNetConfiguration.mapper().readValue(old, GraphVertex.class);
        assertEquals(0, before.getRegions(), "a configuration saved before regions existed accepts any grid");
        assertEquals(0.0, before.getAttentionEntropy(), "a configuration saved before the entropy term trains without it");
        assertEquals(0.0, before.getOutputDropout(), "a configuration saved before output dropout trains without it");
        assertNotEquals(new LstmCell(4, 6), new GruCell(4, 6));
    }

    @Test
    void layerConfigsRoundTripThroughJsonWithoutTheMatrix() throws Exception {
        INDArray glove = Nd4j.rand(DataType.FLOAT, 20, 5);
        CaptionEmbedding emb = CaptionEmbedding.builder().vocabularySize(20).embeddingSize(5)
                .mode(EmbeddingMode.FROZEN).pretrained(glove).build();
        String json = NeuralNetConfiguration.mapper().writeValueAsString(emb);
        assertFalse(json.contains("pretrained"), "the matrix must not go into the JSON: " + json);
        CaptionEmbedding back = (CaptionEmbedding) NeuralNetConfiguration.mapper().readValue(json, Layer.class);
        assertEquals(emb, back);
        assertNull(back.getPretrained());
        FeatureProjection proj = FeatureProjection.builder().nIn(9).nOut(4).dropOut(0.8).build();
        assertEquals(proj, roundTrip(proj, Layer.class));
    }

    @Test
    void networkConfigurationRoundTripsThroughJson() {
        ComputationGraphConfiguration conf = CaptionNetwork.builder().vocabularySize(100).embeddingSize(16)
                .hiddenSize(8).attentionSize(8).projectionSize(8).outputHiddenSize(8).featureSize(12).pooledSize(12)
                .attentionPenalty(1.0).build().getConfiguration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf.toJson(), back.toJson());
        assertEquals(conf.getVertices(), back.getVertices());
    }

    @Test
    void aDecoderTrainedOnAGridRefusesAnotherGridNamingIt() {
        CaptionNetwork net = CaptionNetwork.builder().vocabularySize(10).embeddingSize(4).hiddenSize(4).attentionSize(4)
                .projectionSize(4).outputHiddenSize(4).featureSize(6).pooledSize(6).regions(5).build();
        INDArray tokens = Nd4j.createFromArray(new float[][]{{1, 2}});
        assertEquals(1, net.output(Nd4j.rand(DataType.FLOAT, 1, 5, 6), Nd4j.rand(DataType.FLOAT, 1, 6), tokens).length);
        String m = assertThrows(IllegalArgumentException.class,
                () -> net.output(Nd4j.rand(DataType.FLOAT, 1, 7, 6), Nd4j.rand(DataType.FLOAT, 1, 6), tokens)).getMessage();
        assertTrue(m.contains("5 (the regions it was trained on)") && m.contains("[1, 7, 4]"), m);  // projected to 4
    }

    @Test
    void aBuiltInDenseLayerOnTheFeaturesIsAppliedToEachRegion(@TempDir Path dir) throws Exception {
        CaptionNetwork net = CaptionNetwork.builder().vocabularySize(10).embeddingSize(4).hiddenSize(4).attentionSize(4)
                .projectionSize(4).outputHiddenSize(4).featureSize(6).pooledSize(6)
                .featureLayer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build(), 5)
                .updater(new Adam(1e-2)).build();
        INDArray features = Nd4j.rand(DataType.FLOAT, 2, 3, 6);                                  // [B, L, C]
        INDArray[] in = {features, Nd4j.rand(DataType.FLOAT, 2, 6), Nd4j.createFromArray(new float[][]{{1, 2}, {3, 4}})};
        INDArray labels = Nd4j.createFromArray(new float[][]{{2, 3}, {4, 5}}).reshape(2, 1, 2);
        MultiDataSet batch = new MultiDataSet(in, new INDArray[]{labels});
        // the layer's output for region (b, l) is tanh(x W + b) of that region alone
        INDArray w = net.getLayer(CaptionNetwork.FEATURE_LAYER).getParam("W"), bias = net.getLayer(CaptionNetwork.FEATURE_LAYER)
                .getParam("b");
        INDArray act = net.feedForward(in, false).get(CaptionNetwork.FEATURE_LAYER);
        INDArray region = features.get(NDArrayIndex.point(1), NDArrayIndex.point(2), NDArrayIndex.all()).reshape(1, 6);
        INDArray expected = Transforms.tanh(region.mmul(w).addRowVector(bias));
        INDArray got = act.rank() == 2 ? act.getRow(1 * 3 + 2).reshape(1, 5) : act.get(NDArrayIndex.point(1),
                NDArrayIndex.point(2), NDArrayIndex.all()).reshape(1, 5);
        assertEquals(expected, got);
        double before = net.score(batch);
        for (int i = 0; i < 20; i++) {
            net.fit(batch);
        }
        assertTrue(net.score(batch) < before);
        File file = dir.resolve("dense.zip").toFile();
        net.save(file);
        assertEquals(net.outputSingle(in), CaptionNetwork.load(file).outputSingle(in));
    }

    @Test
    void saveAndLoadGiveIdenticalOutputs(@TempDir Path dir) throws Exception {
        CaptionNetwork net = CaptionNetwork.builder().vocabularySize(30).embeddingSize(6).hiddenSize(8).attentionSize(5)
                .projectionSize(7).outputHiddenSize(9).featureSize(10).pooledSize(4).cellType(CellType.LSTM).gated(true)
                .attentionPenalty(0.5).updater(new Adam(1e-2)).build();
        INDArray[] in = {Nd4j.rand(DataType.FLOAT, 2, 5, 10), Nd4j.rand(DataType.FLOAT, 2, 4),
                Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}})};
        INDArray labels = Nd4j.createFromArray(new float[][]{{2, 3, 4}, {5, 6, 7}}).reshape(2, 1, 3);
        net.fit(new MultiDataSet(in, new INDArray[]{labels})); // non-trivial updater state
        File file = dir.resolve("net.zip").toFile();
        net.save(file);
        CaptionNetwork loaded = CaptionNetwork.load(file);
        assertEquals(net.params(), loaded.params());
        assertEquals(net.getUpdater().getStateViewArray(), loaded.getUpdater().getStateViewArray());
        assertEquals(net.outputSingle(in), loaded.outputSingle(in));
        AttentionDecoderStep a = AttentionDecoderStep.of(net), b = AttentionDecoderStep.of(loaded);
        assertEquals(a.step(a.start(in[0], in[1], null), new int[]{1, 2}).logits,
                b.step(b.start(in[0], in[1], null), new int[]{1, 2}).logits);
        // training continues identically
        net.fit(new MultiDataSet(in, new INDArray[]{labels}));
        loaded.fit(new MultiDataSet(in, new INDArray[]{labels}));
        assertEquals(net.params(), loaded.params());
    }

    @Test
    void loadingGarbageSaysWhatIsWrong(@TempDir Path dir) throws Exception {
        File bad = dir.resolve("bad.zip").toFile();
        Files.writeString(bad.toPath(), "not a model");
        Exception e = assertThrows(Exception.class, () -> CaptionNetwork.load(bad));
        assertTrue(e.getMessage().contains("bad.zip"), e.getMessage());
        Exception missing = assertThrows(FileNotFoundException.class,
                () -> CaptionNetwork.load(dir.resolve("none.zip").toFile()));
        assertTrue(missing.getMessage().contains("none.zip"));
    }
}
