package io.caption4j.layers;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention can localise: a synthetic task in which the word to say is the class of the one marked region, at a
 * random position among distractor regions of random classes. Mean pooling sees only the class histogram, so the
 * decoder must attend to the marked region: it learns to (peaked attention, near-perfect accuracy), and with the
 * attention forced uniform it cannot. The projection is linear here: a nonlinear per-region projection could
 * compute "marked and class c" before any pooling and so solve the task without attention.
 */
class AttentionLocalisationTest {
    static final int REGIONS = 16, CLASSES = 4, FEAT = 8, START = 0, END = 1;

    /** features [n, L, F] (channel 0: marker, 1..CLASSES: class one-hot, the rest noise), word ids, marked positions. */
    record Task(INDArray features, int[] words, int[] marked) {
        static Task make(int n, long seed) {
            Random r = new Random(seed);
            INDArray f = Nd4j.zeros(DataType.FLOAT, n, REGIONS, FEAT);
            int[] words = new int[n], marked = new int[n];
            for (int i = 0; i < n; i++) {
                marked[i] = r.nextInt(REGIONS);
                for (int j = 0; j < REGIONS; j++) {
                    int cls = r.nextInt(CLASSES);
                    f.putScalar(new long[]{i, j, 1 + cls}, 1.0);
                    for (int k = 1 + CLASSES; k < FEAT; k++) {
                        f.putScalar(new long[]{i, j, k}, r.nextGaussian() * 0.5);
                    }
                    if (j == marked[i]) {
                        f.putScalar(new long[]{i, j, 0}, 1.0);
                        words[i] = 2 + cls;
                    }
                }
            }
            return new Task(f, words, marked);
        }

        /** Teacher-forced training data: <start> -> word -> <end>; the pooled input is zero (no shortcut). */
        MultiDataSet data() {
            int n = words.length;
            INDArray input = Nd4j.zeros(DataType.FLOAT, n, 2);
            INDArray target = Nd4j.zeros(DataType.FLOAT, n, 1, 2);
            for (int i = 0; i < n; i++) {
                input.putScalar(i, 0, START);
                input.putScalar(i, 1, words[i]);
                target.putScalar(i, 0, 0, words[i]);
                target.putScalar(i, 0, 1, END);
            }
            INDArray mask = Nd4j.ones(DataType.FLOAT, n, 2);
            return new MultiDataSet(new INDArray[]{features, pooled(), input}, new INDArray[]{target},
                    new INDArray[]{null, null, mask}, new INDArray[]{mask});
        }

        INDArray pooled() {
            return Nd4j.zeros(DataType.FLOAT, words.length, FEAT);
        }
    }

    /** Accuracy of the first greedy word on held-out images, and its attention's mean entropy / ln L. */
    record Result(double accuracy, double entropyRatio, double markedWeight) {
    }

    static Result train(boolean uniform) {
        Nd4j.getRandom().setSeed(7);
        CaptionNetwork net = CaptionNetwork.builder().featureSize(FEAT).pooledSize(FEAT).projectionSize(16)
                .projectionActivation(Activation.IDENTITY).embeddingSize(8).hiddenSize(32).attentionSize(16)
                .outputHiddenSize(16).vocabularySize(2 + CLASSES).updater(new Adam(1e-2)).seed(7).build();
        INDArray v = net.getVertex(CaptionNetwork.DECODER).paramTable(false).get(ParamKeys.ATT_V);
        MultiDataSet train = Task.make(256, 1).data();
        for (int i = 0; i < 300; i++) {
            if (uniform) {
                v.assign(0); // every score 0: alpha = 1/L for every region
            }
            net.fit(train);
        }
        if (uniform) {
            v.assign(0);
        }
        Task test = Task.make(256, 2);
        try (AttentionDecoderStep step = AttentionDecoderStep.of(net)) {
            AttentionDecoderStep.Output o = step.step(step.start(test.features(), test.pooled(), null), new int[256]);
            int[] said = o.logits.argMax(1).toIntVector();
            double correct = 0, entropy = 0, marked = 0;
            for (int i = 0; i < said.length; i++) {
                correct += said[i] == test.words()[i] ? 1 : 0;
                for (int j = 0; j < REGIONS; j++) {
                    double a = o.alpha.getDouble(i, j);
                    entropy -= a > 0 ? a * Math.log(a) : 0;
                }
                marked += o.alpha.getDouble(i, test.marked()[i]);
            }
            int n = said.length;
            return new Result(correct / n, entropy / n / Math.log(REGIONS), marked / n);
        }
    }

    @Test
    void learnsToAttendToTheMarkedRegion() {
        Result r = train(false);
        System.out.println("attention learned: " + r);
        assertTrue(r.accuracy() >= 0.95, "accuracy " + r.accuracy());
        assertTrue(r.entropyRatio() <= 0.5, "attention entropy / ln L " + r.entropyRatio());
        assertTrue(r.markedWeight() >= 0.5, "mean weight on the marked region " + r.markedWeight());
    }

    @Test
    void failsWithUniformAttention() {
        Result r = train(true);
        System.out.println("attention forced uniform: " + r);
        assertTrue(r.entropyRatio() > 0.999, "attention should be uniform, entropy / ln L " + r.entropyRatio());
        assertTrue(r.accuracy() < 0.7, "uniform attention should not solve the task, accuracy " + r.accuracy());
    }
}
