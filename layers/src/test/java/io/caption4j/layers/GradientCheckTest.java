package io.caption4j.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Double-precision gradient checks (eps 1e-6, max relative error 1e-3, min absolute error 1e-8). */
class GradientCheckTest {
    static final double EPS = 1e-6, MAX_REL = 1e-3, MIN_ABS = 1e-8;
    static final int FIN = 4, F = 3, P = 3, E = 3, H = 3, A = 3, D = 3, V = 5, T = 3, L = 4;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static boolean check(ComputationGraph g, INDArray[] in, INDArray[] labels, INDArray[] inMask, INDArray[] labelMask) {
        return GradientCheckUtil.checkGradients(config(g, in, labels, inMask, labelMask));
    }

    static GradientCheckUtil.GraphConfig config(ComputationGraph g, INDArray[] in, INDArray[] labels, INDArray[] inMask,
                                                INDArray[] labelMask) {
        return new GradientCheckUtil.GraphConfig().net(g).inputs(in).labels(labels)
                .inputMask(inMask).labelMask(labelMask).epsilon(EPS).maxRelError(MAX_REL).minAbsoluteError(MIN_ABS);
    }

    static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(42).dataType(DataType.DOUBLE).updater(new NoOp());
    }

    /** Masks with at least one kept entry per row, and some dropped entries when batch > 1. */
    static INDArray mask(int batch, int n) {
        INDArray m = Nd4j.ones(DataType.DOUBLE, batch, n);
        for (int b = 1; b < batch; b++) {
            for (int i = n - b; i < n; i++) {
                m.putScalar(b, i, 0.0);
            }
        }
        return m;
    }

    static INDArray tokens(int batch, int steps, int vocab) {
        INDArray t = Nd4j.create(DataType.DOUBLE, batch, steps);
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) {
                t.putScalar(b, s, (b * 7 + s * 3 + 1) % vocab);
            }
        }
        return t;
    }

    static Stream<Arguments> networkCases() {
        List<Arguments> out = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            for (int mb : new int[]{1, 2, 3}) {
                for (boolean masks : new boolean[]{false, true}) {
                    for (double penalty : new double[]{0.0, 0.5}) {
                        out.add(Arguments.of(cell, mb, masks, penalty));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} minibatch={1} masks={2} penalty={3}")
    @MethodSource("networkCases")
    void wholeDecoderNetwork(CellType cell, int mb, boolean masks, double penalty) {
        assertTrue(decoderGradientsMatch(cell, mb, masks, cell == CellType.LSTM, penalty, 0.0));
    }

    @ParameterizedTest(name = "{0} masks={1}")
    @MethodSource("entropyCases")
    void wholeDecoderNetworkWithAttentionEntropy(CellType cell, boolean masks) {
        assertTrue(decoderGradientsMatch(cell, 2, masks, false, 0.5, 0.7));
    }

    /**
     * Output dropout: the same mask in every pass (the random generator reset before each), as DL4J checks dropout; a
     * wider h so that no row is dropped whole (its output unit would sit on ReLU's kink at the zero bias).
     */
    @ParameterizedTest(name = "{0} masks={1}")
    @MethodSource("entropyCases")
    void wholeDecoderNetworkWithOutputDropout(CellType cell, boolean masks) {
        Nd4j.getRandom().setSeed(11);
        int mb = 2;
        CaptionNetwork g = CaptionNetwork.builder().featureSize(FIN).pooledSize(P).projectionSize(F).embeddingSize(E)
                .hiddenSize(8).attentionSize(A).outputHiddenSize(D).vocabularySize(V).cellType(cell)
                .outputDropout(0.25).dataType(DataType.DOUBLE).updater(new NoOp()).seed(mb).build();
        INDArray feats = Nd4j.rand(DataType.DOUBLE, mb, L, FIN).subi(0.5);
        INDArray pooled = Nd4j.rand(DataType.DOUBLE, mb, P).subi(0.5);
        INDArray labels = tokens(mb, T, V).addi(2).fmodi(V).reshape(mb, 1, T);
        INDArray tokenMask = masks ? mask(mb, T) : null;
        INDArray[] inMask = masks ? new INDArray[]{mask(mb, L), null, tokenMask} : null;
        INDArray[] in = {feats, pooled, tokens(mb, T, V)};
        assertTrue(GradientCheckUtil.checkGradients(config(g, in, new INDArray[]{labels}, inMask,
                masks ? new INDArray[]{tokenMask} : null).callEachIter(net -> Nd4j.getRandom().setSeed(12345))));
    }

    /** Gradient check of the whole decoder network on random features and tokens, minibatch mb. */
    private static boolean decoderGradientsMatch(CellType cell, int mb, boolean masks, boolean gated, double penalty,
                                                 double entropy) {
        Nd4j.getRandom().setSeed(mb * 100 + (masks ? 1 : 0));
        CaptionNetwork g = CaptionNetwork.builder().featureSize(FIN).pooledSize(P).projectionSize(F).embeddingSize(E)
                .hiddenSize(H).attentionSize(A).outputHiddenSize(D).vocabularySize(V).cellType(cell)
                .gated(gated).attentionPenalty(penalty).attentionEntropy(entropy).dataType(DataType.DOUBLE)
                .updater(new NoOp()).seed(mb).build();
        INDArray feats = Nd4j.rand(DataType.DOUBLE, mb, L, FIN).subi(0.5);
        INDArray pooled = Nd4j.rand(DataType.DOUBLE, mb, P).subi(0.5);
        INDArray labels = tokens(mb, T, V).addi(2).fmodi(V).reshape(mb, 1, T);
        INDArray tokenMask = masks ? mask(mb, T) : null;
        INDArray[] inMask = masks ? new INDArray[]{mask(mb, L), null, tokenMask} : null;
        return check(g, new INDArray[]{feats, pooled, tokens(mb, T, V)}, new INDArray[]{labels}, inMask,
                masks ? new INDArray[]{tokenMask} : null);
    }

    static Stream<Arguments> entropyCases() {
        return Stream.of(Arguments.of(CellType.LSTM, false), Arguments.of(CellType.LSTM, true),
                Arguments.of(CellType.GRU, true));
    }

    @ParameterizedTest(name = "gated={0}")
    @ValueSource(booleans = {false, true})
    void additiveAttention(boolean gated) {
        for (int mb = 1; mb <= 3; mb++) {
            for (boolean masked : new boolean[]{false, true}) {
                ComputationGraphConfiguration conf = base().graphBuilder().addInputs("f", "s")
                        .addVertex("att", AdditiveAttention.builder().featureSize(F).stateSize(2 * H).hiddenSize(H)
                                .attentionSize(A).gated(gated).build(), "f", "s")
                        .addLayer("out", new LossLayer.Builder().lossFunction(new LossMSE())
                                .activation(Activation.IDENTITY).build(), "att")
                        .setOutputs("out").build();
                ComputationGraph g = new ComputationGraph(conf);
                g.init();
                INDArray[] in = {Nd4j.rand(DataType.DOUBLE, mb, L, F).subi(0.5), Nd4j.rand(DataType.DOUBLE, mb, 2 * H).subi(0.5)};
                INDArray[] mask = masked ? new INDArray[]{mask(mb, L), null} : null;
                assertTrue(check(g, in, new INDArray[]{Nd4j.rand(DataType.DOUBLE, mb, F)}, mask, null),
                        "minibatch " + mb + " masked " + masked);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"LSTM", "GRU"})
    void recurrentCells(String type) {
        for (int mb = 1; mb <= 3; mb++) {
            RecurrentCell cell = type.equals("LSTM") ? new LstmCell(4, H) : new GruCell(4, H);
            ComputationGraphConfiguration conf = base().graphBuilder().addInputs("x", "s")
                    .addVertex("cell", cell, "x", "s")
                    .addLayer("out", new LossLayer.Builder().lossFunction(new LossMSE())
                            .activation(Activation.IDENTITY).build(), "cell")
                    .setOutputs("out").build();
            ComputationGraph g = new ComputationGraph(conf);
            g.init();
            INDArray[] in = {Nd4j.rand(DataType.DOUBLE, mb, 4).subi(0.5),
                    Nd4j.rand(DataType.DOUBLE, mb, cell.stateSize()).subi(0.5)};
            assertTrue(check(g, in, new INDArray[]{Nd4j.rand(DataType.DOUBLE, mb, cell.stateSize())}, null, null),
                    type + " minibatch " + mb);
        }
    }

    @Test
    void featureProjection() {
        for (int mb = 1; mb <= 3; mb++) {
            ComputationGraphConfiguration conf = base().graphBuilder().addInputs("f")
                    .addLayer("proj", FeatureProjection.builder().nIn(FIN).nOut(F).build(), "f")
                    .addLayer("out", new RnnLossLayer.Builder().lossFunction(new LossMSE())
                            .activation(Activation.IDENTITY).build(), "proj")
                    .setOutputs("out").build();
            ComputationGraph g = new ComputationGraph(conf);
            g.init();
            INDArray f = Nd4j.rand(DataType.DOUBLE, mb, L, FIN).subi(0.5);
            assertTrue(check(g, new INDArray[]{f}, new INDArray[]{Nd4j.rand(DataType.DOUBLE, mb, L, F)}, null, null),
                    "minibatch " + mb);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"SCRATCH", "FINE_TUNE", "FROZEN"})
    void captionEmbedding(String modeName) {
        EmbeddingMode mode = EmbeddingMode.valueOf(modeName);
        for (int mb = 1; mb <= 3; mb++) {
            for (boolean masked : new boolean[]{false, true}) {
                CaptionEmbedding.Builder b = CaptionEmbedding.builder().vocabularySize(V).embeddingSize(E).mode(mode);
                if (mode != EmbeddingMode.SCRATCH) {
                    b.pretrained(Nd4j.rand(DataType.DOUBLE, V, E));
                }
                ComputationGraphConfiguration conf = base().graphBuilder().addInputs("t")
                        .addLayer("emb", b.build(), "t")
                        .addLayer("out", new RnnLossLayer.Builder().lossFunction(new LossMSE())
                                .activation(Activation.IDENTITY).build(), "emb")
                        .setOutputs("out").build();
                ComputationGraph g = new ComputationGraph(conf);
                g.init();
                INDArray labels = Nd4j.rand(DataType.DOUBLE, mb, E, T);
                INDArray m = masked ? mask(mb, T) : null;
                INDArray[] in = {tokens(mb, T, V)};
                if (mode == EmbeddingMode.FROZEN) {
                    // frozen: the gradient must be exactly zero, and the updater never moves W
                    g.setInputs(in);
                    g.setLabels(labels);
                    g.computeGradientAndScore();
                    assertTrue(g.gradient().gradient().amaxNumber().doubleValue() == 0.0, "frozen embedding has a gradient");
                    assertTrue(g.getLayer("emb").conf().getLayer().getUpdaterByParam("W") instanceof NoOp);
                } else {
                    assertTrue(check(g, in, new INDArray[]{labels}, masked ? new INDArray[]{m} : null,
                            masked ? new INDArray[]{m} : null), modeName + " minibatch " + mb + " masked " + masked);
                }
            }
        }
    }

    @Test
    void gradientCheckCanFail() {
        // a deliberately wrong analytic gradient must be caught: corrupt the decoder's score with a penalty that
        // has no gradient (CaptionNetwork counts it, the vertex's backward does not know of it)
        CaptionNetwork g = new CaptionNetwork(CaptionNetwork.builder().featureSize(FIN).pooledSize(P).projectionSize(F)
                .embeddingSize(E).hiddenSize(H).attentionSize(A).outputHiddenSize(D).vocabularySize(V)
                .dataType(DataType.DOUBLE).updater(new NoOp()).configuration()) {
            @Override
            public double calcRegularizationScore(boolean backpropParamsOnly) {
                return super.calcRegularizationScore(backpropParamsOnly) + params().getDouble(0) * params().getDouble(0);
            }
        };
        g.init();
        INDArray[] in = {Nd4j.rand(DataType.DOUBLE, 2, L, FIN), Nd4j.rand(DataType.DOUBLE, 2, P), tokens(2, T, V)};
        INDArray[] labels = {tokens(2, T, V).reshape(2, 1, T)};
        assertTrue(!GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g).inputs(in)
                .labels(labels).epsilon(EPS).maxRelError(MAX_REL).minAbsoluteError(MIN_ABS)
                .excludeParams(Collections.emptySet())));
    }
}
