package io.caption4j.core.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.caption4j.core.CaptionException;
import io.caption4j.core.data.CaptionBatcher;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.decode.DecodedCaption;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoder;
import io.caption4j.layers.CaptionNetwork;
import org.deeplearning4j.nn.gradient.Gradient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import static org.junit.jupiter.api.Assertions.*;

/** Self-critical sequence training ({@link SelfCritical}, {@code Trainer.fineTune}) on the toy task. */
class SelfCriticalTest {
    @TempDir
    static Path tmp;
    static CaptionDataset train, dev;
    static FeatureSource features;
    /** A short cross-entropy run: a partly trained captioner to fine-tune. */
    static Checkpoint pretrained;

    @BeforeAll
    static void data() throws IOException {
        train = ToyData.dataset(ToyData.write(tmp.resolve("train"), 48, 1));
        dev = ToyData.dataset(ToyData.write(tmp.resolve("dev"), 12, 2));
        features = ToyData.features(new ToyData.Encoder(), tmp.resolve("cache"));
        TrainConfig c = xe();
        pretrained = new Trainer(c, train, dev, features, tmp.resolve("xe")).start(Trainer.vocabulary(train, c));
    }

    private static TrainConfig xe() {
        TrainConfig c = ToyData.config();
        c.epochs = 8;
        c.dropout = 0;
        c.attentionPenalty = 0;
        c.checkpointEverySteps = 0;
        return c;
    }

    private static TrainConfig scst() {
        TrainConfig c = xe();
        c.scst = true;
        c.scstSamples = 5;
        c.batchSize = 8;                       // images: 6 steps per epoch of 48 images
        c.learningRate = 5e-3;
        c.selectBy = TrainConfig.Selection.CIDER_D;
        return c;
    }

    private static Checkpoint copyOfPretrained() {
        return Checkpoint.load(tmp.resolve("xe").resolve(Trainer.LATEST));
    }

    @Test
    void theAdvantageScalesEachSampledCaptionsGradientLinearlyAndMayBeNegative() {
        CaptionNetwork net = copyOfPretrained().network;
        List<CaptionDataset.Example> ex = train.examples().subList(0, 2);
        Map<CaptionDataset.Example, EncodedImage> f = features.features(ex);
        CaptionBatcher batcher = new CaptionBatcher(pretrained.vocabulary, new Tokenizer(), 10);
        MultiDataSet base = batcher.batch(List.of(f.get(ex.get(0)), f.get(ex.get(1))),
                List.of("a red square on the left", "blue box at the right"));
        INDArray both = gradient(net, base, 1.5, -0.75);
        INDArray first = gradient(net, base, 1, 0), second = gradient(net, base, 0, 1);
        INDArray expected = first.mul(1.5).addi(second.mul(-0.75));
        assertTrue(first.amaxNumber().doubleValue() > 1e-4, "the first caption has a gradient");
        assertEquals(0, both.sub(expected).amaxNumber().doubleValue(), 1e-5 * expected.amaxNumber().doubleValue(),
                "the gradient of advantage-weighted captions is the advantage-weighted sum of their gradients");
    }

    private static INDArray gradient(CaptionNetwork net, MultiDataSet base, double w0, double w1) {
        INDArray weights = Nd4j.createFromArray(new float[]{(float) w0, (float) w1}).reshape(2, 1);
        MultiDataSet m = new org.nd4j.linalg.dataset.MultiDataSet(base.getFeatures(), base.getLabels(),
                base.getFeaturesMaskArrays(), new INDArray[]{base.getLabelsMaskArray(0).mulColumnVector(weights)});
        net.setInputs(m.getFeatures());
        net.setLabels(m.getLabels());
        net.setLayerMaskArrays(m.getFeaturesMaskArrays(), m.getLabelsMaskArrays());
        net.computeGradientAndScore();
        Gradient g = net.gradient();
        return g.gradient().dup();
    }

    @ParameterizedTest
    @EnumSource(SelfCritical.Baseline.class)
    void selfCriticalStepsRaiseTheRewardOfTheCaptionsTheNetworkSamples(SelfCritical.Baseline baseline) throws IOException {
        // The policy-gradient objective is the expected reward of sampled captions: on one batch it must go up (with the
        // advantage's sign flipped it falls from 3.0 to 0.1 here)
        CaptionDataset eight = new CaptionDataset() {
            public String name() { return "eight"; }
            public List<Example> examples() { return train.examples().subList(0, 8); }
            public Report report() { return train.report(); }
        };
        TrainConfig c = scst();
        c.epochs = 30;
        c.scstBaseline = baseline;
        Checkpoint done = new Trainer(c, eight, null, features, tmp.resolve("overfit-" + baseline)).fineTune(copyOfPretrained());
        List<Double> sampled = new ArrayList<>();
        for (TrainState.EpochResult r : done.state.history) {
            sampled.add(r.trainSampleReward);
        }
        double first = sampled.subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = sampled.subList(25, 30).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last > first + 0.3, "mean CIDEr-D of the sampled captions, first and last 5 epochs: " + first + " -> "
                + last + " " + sampled);
        for (TrainState.EpochResult r : done.state.history) {
            assertTrue(Double.isNaN(r.trainLoss), "no cross-entropy in self-critical epochs");
        }
        assertEquals(pretrained.vocabulary, done.vocabulary);
    }

    @Test
    void fineTuningTakesTheNewLearningRateForEveryParameter() throws IOException {
        TrainConfig c = scst();
        c.learningRate = 1e-9;
        Checkpoint from = copyOfPretrained();
        INDArray before = from.network.params().dup();
        Checkpoint one = new Trainer(c, train, null, features, tmp.resolve("tiny-lr")).stopAfterSteps(1).fineTune(from);
        assertEquals(1, one.state.step);
        double moved = one.network.params().sub(before).amaxNumber().doubleValue();
        assertTrue(moved < 1e-7, "a learning rate of 1e-9 moved a parameter by " + moved);

        c.learningRate = 1e-2;
        Checkpoint from2 = copyOfPretrained();
        Checkpoint big = new Trainer(c, train, null, features, tmp.resolve("big-lr")).stopAfterSteps(1).fineTune(from2);
        assertTrue(big.network.params().sub(before).amaxNumber().doubleValue() > 1e-3, "and 1e-2 moves them");

        c.learningRate = 1e-3;
        c.attentionEntropy = 0.05;                             // a training objective: the stage's own, not the base's
        Checkpoint ent = new Trainer(c, train, null, features, tmp.resolve("entropy")).stopAfterSteps(1)
                .fineTune(copyOfPretrained());
        assertEquals(0.05, ((AttentionDecoder) ent.network.getConfiguration().getVertices().get(CaptionNetwork.DECODER))
                .getAttentionEntropy());
        assertEquals(0.05, ent.config.attentionEntropy);

        CaptionNetwork sgd = CaptionNetwork.builder().featureSize(6).pooledSize(6).projectionSize(10).embeddingSize(8)
                .hiddenSize(12).attentionSize(10).outputHiddenSize(10).vocabularySize(from.vocabulary.size())
                .updater(new Sgd(0.1)).build();
        String m = assertThrows(CaptionException.class,
                () -> new Trainer(c, train, null, features, tmp.resolve("sgd"))
                        .fineTune(new Checkpoint(c, new TrainState(), from.vocabulary, sgd))).getMessage();
        assertTrue(m.contains("Sgd") && m.contains("Adam"), m);
    }

    @Test
    void aResumedSelfCriticalRunEqualsAnUninterruptedOne() throws IOException {
        TrainConfig c = scst();
        c.epochs = 2;
        c.checkpointEverySteps = 2;
        Checkpoint whole = new Trainer(c, train, dev, features, tmp.resolve("whole")).fineTune(copyOfPretrained());
        assertEquals(12, whole.state.step);
        Path out = tmp.resolve("pieces");
        Checkpoint part = new Trainer(c, train, dev, features, out).stopAfterSteps(7).fineTune(copyOfPretrained());
        assertEquals(7, part.state.step);
        Checkpoint done = new Trainer(c, train, dev, features, out).resume();
        assertTrue(done.state.finished);
        assertEquals(0.0, whole.network.params().sub(done.network.params()).amaxNumber().doubleValue(), 0.0);
        assertEquals(whole.state.history.get(1).trainReward, done.state.history.get(1).trainReward, 1e-12);
        assertEquals(whole.state.history.get(1).ciderD, done.state.history.get(1).ciderD, 0.0);
    }

    @Test
    void theRewardIsCiderDAgainstTheImagesReferencesWithTrainingDocumentFrequencies() {
        SelfCritical sc = new SelfCritical(train, pretrained.vocabulary, new Tokenizer(), 2, 10, SelfCritical.Baseline.GREEDY);
        CaptionDataset.Example e = train.examples().get(0);
        Vocabulary v = pretrained.vocabulary;
        int[] own = v.encode(new Tokenizer().tokenize(e.captions.get(0)));
        int[] words = Arrays.copyOfRange(own, 1, own.length - 1);
        double right = sc.reward(new DecodedCaption(words, 0, new float[0][], true), e);
        int[] wrong = {v.id("the"), v.id("the"), v.id("the")};
        double bad = sc.reward(new DecodedCaption(wrong, 0, new float[0][], true), e);
        assertTrue(right > 1 && bad < 0.1, "own reference " + right + ", 'the the the' " + bad);
    }
}
