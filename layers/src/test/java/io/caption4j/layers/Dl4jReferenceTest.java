package io.caption4j.layers;

import java.util.List;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/** caption4j layers against DL4J's own layers with copied parameters. */
class Dl4jReferenceTest {

    @Test
    void featureProjectionMatchesDenseLayer() {
        int b = 3, l = 5, in = 7, out = 4;
        ComputationGraph ours = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("f")
                .addLayer("proj", FeatureProjection.builder().nIn(in).nOut(out).build(), "f")
                .addLayer("loss", new RnnLossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY)
                        .build(), "proj")
                .setOutputs("loss").build());
        ours.init();
        MultiLayerNetwork dense = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.DOUBLE)
                .updater(new NoOp()).list()
                .layer(new DenseLayer.Builder().nIn(in).nOut(out).activation(Activation.RELU).build())
                .layer(new LossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY).build())
                .build());
        dense.init();
        dense.getLayer(0).setParam("W", ours.getLayer("proj").getParam("W"));
        dense.getLayer(0).setParam("b", ours.getLayer("proj").getParam("b"));

        INDArray f = Nd4j.rand(DataType.DOUBLE, b, l, in).subi(0.5);
        INDArray target = Nd4j.rand(DataType.DOUBLE, b, l, out);
        INDArray oursOut = ours.outputSingle(f);
        INDArray denseOut = dense.output(f.reshape(b * l, in)).reshape(b, l, out);
        Fixtures.assertClose(denseOut, oursOut, 1e-12, 1e-14, "projection output");

        ours.setInputs(f);
        ours.setLabels(target);
        ours.computeGradientAndScore();
        dense.setInput(f.reshape(b * l, in));
        dense.setLabels(target.reshape(b * l, out));
        dense.computeGradientAndScore();
        // DL4J's MSE divides by the size of dimension 1: L for our [B, L, out] series, out for [B*L, out]
        double factor = (double) out / l;
        Fixtures.assertClose(dense.gradient().getGradientFor("0_W").mul(factor), ours.gradient().getGradientFor("proj_W"),
                1e-10, 1e-14, "dW");
        Fixtures.assertClose(dense.gradient().getGradientFor("0_b").mul(factor).reshape(1, out),
                ours.gradient().getGradientFor("proj_b").reshape(1, out), 1e-10, 1e-14, "db");
    }

    @Test
    void lstmCellOverASequenceMatchesDl4jLstm() {
        int b = 2, in = 4, h = 3, t = 6;
        MultiLayerNetwork lstm = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .list()
                .layer(new LSTM.Builder().nIn(in).nOut(h).activation(Activation.TANH)
                        .gateActivationFunction(Activation.SIGMOID).build())
                .layer(new RnnLossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY).build())
                .build());
        lstm.init();
        ComputationGraph cell = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("x", "s").addVertex("cell", new LstmCell(in, h), "x", "s")
                .setOutputs("cell").build());
        cell.init();
        // DL4J's gate blocks are [g, f, o, i]; ours are [i, f, g, o]
        int[] fromDl4j = {3, 1, 0, 2};
        INDArray w = lstm.getLayer(0).getParam("W"), rw = lstm.getLayer(0).getParam("RW"), bias = lstm.getLayer(0).getParam("b");
        for (int k = 0; k < 4; k++) {
            int j = fromDl4j[k];
            cell.getVertex("cell").paramTable(false).get(ParamKeys.CELL_W_X).get(all(), interval(k * h, (k + 1) * h))
                    .assign(w.get(all(), interval(j * h, (j + 1) * h)));
            cell.getVertex("cell").paramTable(false).get(ParamKeys.CELL_W_H).get(all(), interval(k * h, (k + 1) * h))
                    .assign(rw.get(all(), interval(j * h, (j + 1) * h)));
            cell.getVertex("cell").paramTable(false).get(ParamKeys.CELL_B).get(interval(k * h, (k + 1) * h))
                    .assign(bias.reshape(4 * h).get(interval(j * h, (j + 1) * h)));
        }
        INDArray x = Nd4j.rand(DataType.DOUBLE, b, in, t).subi(0.5);
        List<INDArray> acts = lstm.feedForward(x, false);
        INDArray expected = acts.get(1);                                   // [B, H, T]
        INDArray state = Nd4j.zeros(DataType.DOUBLE, b, 2 * h);
        for (int s = 0; s < t; s++) {
            INDArray xt = x.get(all(), all(), point(s));
            state = cell.outputSingle(xt, state);
            Fixtures.assertClose(expected.get(all(), all(), point(s)), state.get(all(), interval(0, h)), 1e-12, 1e-14,
                    "h at step " + s);
        }
    }

    @Test
    void lstmForgetBiasStartsAtOne() {
        LstmCell c = new LstmCell(3, 4);
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder().addInputs("x", "s")
                .addVertex("cell", c, "x", "s").setOutputs("cell").build());
        g.init();
        INDArray b = g.getVertex("cell").paramTable(false).get(ParamKeys.CELL_B);
        Fixtures.assertClose(Nd4j.ones(b.dataType(), 4), b.get(NDArrayIndex.interval(4, 8)), 0, 0, "forget bias");
        Fixtures.assertClose(Nd4j.zeros(b.dataType(), 4), b.get(NDArrayIndex.interval(0, 4)), 0, 0, "input bias");
    }
}
