package io.caption4j.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.caption4j.core.CaptionException;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoder;
import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.CellType;
import io.caption4j.layers.EmbeddingMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class TrainerTest {
    @TempDir
    static Path tmp;
    static CaptionDataset train, dev;

    @BeforeAll
    static void data() throws IOException {
        train = ToyData.dataset(ToyData.write(tmp.resolve("train"), 48, 1));
        dev = ToyData.dataset(ToyData.write(tmp.resolve("dev"), 12, 2));
    }

    private static Trainer trainer(TrainConfig c, Path out) throws IOException {
        return new Trainer(c, train, dev, ToyData.features(new ToyData.Encoder(), tmp.resolve("cache")), out);
    }

    @Test
    void learnsTheToyTaskAndKeepsTheBestNetwork() throws IOException {
        TrainConfig c = ToyData.config();
        c.epochs = 20;
        c.dropout = 0;
        c.checkpointEverySteps = 0;
        Path out = tmp.resolve("learn");
        Checkpoint ck = trainer(c, out).start(Trainer.vocabulary(train, c));
        TrainState s = ck.state;
        assertTrue(s.finished);
        assertEquals(20, s.history.size());
        double first = s.history.get(0).devLoss, last = s.history.get(19).devLoss;
        assertTrue(last < first * 0.5, "dev loss " + first + " -> " + last);
        assertTrue(s.history.get(19).bleu1 > 0.7, "BLEU-1 " + s.history.get(19).bleu1);
        Checkpoint best = Checkpoint.load(out.resolve(Trainer.BEST));
        assertEquals(s.bestEpoch, best.state.bestEpoch);
        assertEquals(s.bestDevLoss, best.state.history.get(s.bestEpoch - 1).devLoss, 0);
        // the colour word of a decoded dev caption is the image's colour
        FeatureSource f = ToyData.features(new ToyData.Encoder(), null);
        List<Evaluator.Prediction> p = Evaluator.predict(AttentionDecoderStep.of(best.network), dev.examples(), f,
                best.vocabulary, DecodeOptions.beam(3), 4);
        int right = 0;
        for (Evaluator.Prediction x : p) {
            String ref = x.example.captions.get(0);
            for (String color : ToyData.COLORS) {
                if (ref.contains(color) && x.words.contains(color)) {
                    right++;
                }
            }
        }
        assertTrue(right >= 10, right + " of 12 colours right: " + p.get(0).caption());
    }

    @Test
    void trainsANetworkOfYourOwnWithCheckpointsResumeAndValidation() throws IOException {
        TrainConfig c = ToyData.config();
        c.epochs = 3;
        Vocabulary v = Trainer.vocabulary(train, c);
        CaptionNetwork.Builder gru = CaptionNetwork.builder().featureSize(6).pooledSize(6).projectionSize(10).embeddingSize(8)
                .hiddenSize(12).attentionSize(10).outputHiddenSize(10).cellType(CellType.GRU)
                .vocabularySize(v.size()).updater(Trainer.updater(c)).seed(5);
        Path out = tmp.resolve("own");
        Checkpoint part = trainer(c, out).stopAfterSteps(5).start(v, gru.build());
        assertEquals(5, part.state.step);
        Checkpoint done = trainer(c, out).resume();
        assertTrue(done.state.finished);
        assertEquals(3, done.state.history.size());
        assertTrue(done.state.history.get(2).devLoss < done.state.history.get(0).devLoss);
        AttentionDecoder dec = (AttentionDecoder) done.network.getConfiguration().getVertices().get(CaptionNetwork.DECODER);
        assertEquals(CellType.GRU, dec.getCellType(), "the checkpoint keeps the network given");
        assertEquals(12, dec.getHiddenSize());

        String m = assertThrows(CaptionException.class, () -> trainer(c, tmp.resolve("bad1"))
                .start(v, gru.pooledSize(7).build())).getMessage();
        assertTrue(m.contains("pooledSize(6)"), m);
        m = assertThrows(CaptionException.class, () -> trainer(c, tmp.resolve("bad2"))
                .start(v, gru.pooledSize(6).vocabularySize(v.size() + 1).build())).getMessage();
        assertTrue(m.contains("vocabularySize(vocabulary.size())"), m);
        m = assertThrows(CaptionException.class, () -> trainer(c, tmp.resolve("bad3"))
                .start(v, gru.featureSize(5).vocabularySize(v.size()).build())).getMessage();
        assertTrue(m.contains("featureSize(6)"), m);
    }

    @Test
    void resumedRunEqualsUninterruptedRun() throws IOException {
        TrainConfig c = ToyData.config();
        c.scheduledSampling = 0.3;  // resumed randomness: epoch order, dropout and sampling
        c.learningRateDecay = 0.5;
        Vocabulary v = Trainer.vocabulary(train, c);
        Checkpoint whole = trainer(c, tmp.resolve("whole")).start(v);
        assertTrue(whole.state.finished);
        assertEquals(2 * 12, whole.state.step);   // 96 pairs / 8 per batch, 2 epochs

        Path out = tmp.resolve("pieces");
        Checkpoint part = trainer(c, out).stopAfterSteps(7).start(v);
        assertFalse(part.state.finished);
        assertEquals(7, part.state.step);
        Checkpoint more = trainer(c, out).stopAfterSteps(17).resume();    // crosses the epoch boundary
        assertEquals(17, more.state.step);
        Checkpoint done = trainer(c, out).resume();
        assertTrue(done.state.finished);

        INDArray a = whole.network.params(), b = done.network.params();
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 0.0, "parameters differ after resume");
        assertEquals(whole.network.getUpdater().getStateViewArray(), done.network.getUpdater().getStateViewArray());
        assertEquals(whole.state.history.get(1).devLoss, done.state.history.get(1).devLoss, 0.0);
        assertEquals(whole.state.history.get(0).trainLoss, done.state.history.get(0).trainLoss, 1e-12);
    }

    @Test
    void theListenerHearsEveryEpochBatchAndDevDecoding() throws IOException {
        TrainConfig c = ToyData.config();
        List<String> heard = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onEpochStart(int epoch, int epochs, int batches, TrainState state) {
                heard.add("epoch " + epoch + "/" + epochs + ", " + batches + " batches from " + state.batchInEpoch);
            }

            @Override
            public void onBatch(TrainState state, double tokensPerSecond) {
                assertTrue(tokensPerSecond > 0 && state.epochTrainLoss() > 0);
                heard.add("batch " + state.batchInEpoch + ", step " + state.step);
            }

            @Override
            public void onEpochBatchesEnd(TrainState state) {
                heard.add("batches end");
            }

            @Override
            public void onTaskStart(String task, long total) {
                heard.add(task + " " + total);
            }

            @Override
            public void onTaskEnd() {
                heard.add("task end");
            }

            @Override
            public void onEpochEnd(TrainState.EpochResult result) {
                heard.add("epoch " + result.epoch + " end");
            }
        };
        Vocabulary v = Trainer.vocabulary(train, c);
        Checkpoint ck = trainer(c, tmp.resolve("heard")).listener(listener).start(v);
        List<String> want = new ArrayList<>();
        for (int epoch = 1; epoch <= 2; epoch++) {
            want.add("epoch " + epoch + "/2, 12 batches from 0");     // 96 pairs / 8 per batch
            for (int b = 1; b <= 12; b++) {
                want.add("batch " + b + ", step " + ((epoch - 1) * 12 + b));
            }
            want.addAll(List.of("batches end", "dev decoding 12", "task end", "epoch " + epoch + " end"));
        }
        assertEquals(want, heard);
        assertTrue(ck.state.finished);

        heard.clear();
        trainer(c, tmp.resolve("heard-stop")).listener(listener).stopAfterSteps(5).start(v);
        assertEquals("batch 5, step 5", heard.get(heard.size() - 2));
        assertEquals("batches end", heard.get(heard.size() - 1), "the epoch's batches end at the step limit too");
        heard.clear();
        trainer(c, tmp.resolve("heard-stop")).listener(listener).stopAfterSteps(6).resume();
        assertEquals(List.of("epoch 1/2, 12 batches from 5", "batch 6, step 6", "batches end"), heard);
    }

    @Test
    void refusesToOverwriteARunAndValidatesTheConfiguration() throws IOException {
        TrainConfig c = ToyData.config();
        c.epochs = 1;
        Vocabulary v = Trainer.vocabulary(train, c);
        Path out = tmp.resolve("twice");
        trainer(c, out).start(v);
        CaptionException e = assertThrows(CaptionException.class, () -> trainer(c, out).start(v));
        assertTrue(e.getMessage().contains("resume"), e.getMessage());

        TrainConfig bad = ToyData.config();
        bad.dropout = 1.5;
        e = assertThrows(CaptionException.class, () -> trainer(bad, tmp.resolve("bad")));
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
        TrainConfig glove = ToyData.config();
        glove.embedding = EmbeddingMode.FINE_TUNE;
        e = assertThrows(CaptionException.class, () -> trainer(glove, tmp.resolve("glove")));
        assertTrue(e.getMessage().contains("wordVectors"), e.getMessage());
    }

    @Test
    void configurationRoundTripsThroughJson() {
        TrainConfig c = ToyData.config();
        c.scheduledSampling = 0.25;
        c.wordVectors = "glove.txt";
        assertEquals(c.toJson(), TrainConfig.fromJson(c.toJson()).toJson());
        CaptionException e = assertThrows(CaptionException.class, () -> TrainConfig.fromJson("{\"epochz\": 3}"));
        assertTrue(e.getMessage().contains("epochz"), e.getMessage());
    }

    @Test
    void frozenGloveKeepsTheEmbeddingAndFineTuneChangesIt() throws IOException {
        for (EmbeddingMode mode : new EmbeddingMode[]{
                EmbeddingMode.FROZEN, EmbeddingMode.FINE_TUNE}) {
            TrainConfig c = ToyData.config();
            c.epochs = 1;
            c.embedding = mode;
            c.wordVectors = "toy";
            Vocabulary v = Trainer.vocabulary(train, c);
            INDArray glove = Nd4j.rand(DataType.FLOAT, v.size(), c.embeddingSize);
            Checkpoint ck = trainer(c, tmp.resolve("emb-" + mode)).pretrainedEmbeddings(glove).start(v);
            INDArray after = ck.network.getLayer("embedding").getParam("W");
            double diff = after.sub(glove).amaxNumber().doubleValue();
            if (mode == EmbeddingMode.FROZEN) {
                assertEquals(0.0, diff, 0.0);
            } else {
                assertTrue(diff > 1e-4, "fine-tuned embedding did not move");
            }
        }
        TrainConfig c = ToyData.config();
        c.embedding = EmbeddingMode.FINE_TUNE;
        c.wordVectors = "toy";
        Vocabulary v = Trainer.vocabulary(train, c);
        INDArray wrong = Nd4j.rand(DataType.FLOAT, v.size(), 7);
        CaptionException e = assertThrows(CaptionException.class,
                () -> trainer(c, tmp.resolve("wrong")).pretrainedEmbeddings(wrong).start(v));
        assertTrue(e.getMessage().contains("embeddingSize"), e.getMessage());
    }

    @Test
    void unreadableImagesAreSkippedAndCounted() throws IOException {
        Path dir = tmp.resolve("broken");
        Path csv = ToyData.write(dir, 16, 3);
        Files.writeString(dir.resolve("img0.png"), "not a png");
        CaptionDataset d = ToyData.dataset(csv);
        TrainConfig c = ToyData.config();
        c.epochs = 1;
        FeatureSource f = ToyData.features(new ToyData.Encoder(), null);
        Checkpoint ck = new Trainer(c, d, null, f, tmp.resolve("broken-run")).start(Trainer.vocabulary(d, c));
        assertTrue(ck.state.finished);
        assertEquals(2, ck.state.history.get(0).skippedPairs);   // img0's two captions
        assertEquals(1, f.failedImages());
    }

    @Test
    void crossEntropyCountsOnlyUnmaskedSteps() {
        // probs [1, 3, 2]: step 0 gives target 2 p=0.5, step 1 masked
        INDArray probs = Nd4j.create(new float[]{0.2f, 0.1f, 0.3f, 0.1f, 0.5f, 0.8f}, new long[]{1, 3, 2});
        INDArray target = Nd4j.create(new float[]{2, 0}, new long[]{1, 1, 2});
        INDArray mask = Nd4j.create(new float[]{1, 0}, new long[]{1, 2});
        double[] r = Evaluator.crossEntropy(probs, target, mask);
        assertEquals(-Math.log(0.5), r[0], 1e-6);
        assertEquals(1, r[1], 0);
    }

    @Test
    void metricsUseTheSameTokenizerForHypothesesAndReferences() {
        CaptionDataset.Example e = new CaptionDataset.Example("x", Path.of("x.png"), List.of("A red square, on the LEFT."));
        Evaluator.Prediction p = new Evaluator.Prediction(e, List.of("a", "red", "square", "on", "the", "left"), null);
        Evaluator.Metrics m = Evaluator.score(List.of(p), new Tokenizer());
        assertEquals(1.0, m.bleu[3], 1e-9);
    }
}
