package io.caption4j.core.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.layers.CaptionNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/** Decoding strategies on a small random network, with beam search checked against exhaustive search. */
class CaptionSearchTest {
    static AttentionDecoderStep step, other;
    static INDArray feats, pooled;
    static final int V = 6;

    @BeforeAll
    static void net() {
        Nd4j.getRandom().setSeed(17);
        CaptionNetwork net = CaptionNetwork.builder().featureSize(8).pooledSize(8).projectionSize(6).embeddingSize(4)
                .hiddenSize(6).attentionSize(5).outputHiddenSize(6).vocabularySize(V).dataType(DataType.DOUBLE).seed(3).build();
        // sharpen the output so that sequences differ clearly in probability
        net.getVertex(CaptionNetwork.DECODER).paramTable(false).get("outW").muli(4);
        step = AttentionDecoderStep.of(net);
        CaptionNetwork net2 = CaptionNetwork.builder().featureSize(8).pooledSize(8).projectionSize(6).embeddingSize(4)
                .hiddenSize(6).attentionSize(5).outputHiddenSize(6).vocabularySize(V).dataType(DataType.DOUBLE).seed(11).build();
        net2.getVertex(CaptionNetwork.DECODER).paramTable(false).get("outW").muli(4);
        other = AttentionDecoderStep.of(net2);
        feats = Nd4j.rand(DataType.DOUBLE, 3, 5, 8);
        pooled = Nd4j.rand(DataType.DOUBLE, 3, 8);
    }

    AttentionDecoderStep.State start(int i) {
        return step.start(feats, pooled, null).select(i);
    }

    @Test
    void beamOfOneIsGreedyAndSharpSamplingIsGreedy() {
        for (int i = 0; i < 3; i++) {
            DecodedCaption g = CaptionSearch.decode(step, start(i), DecodeOptions.greedy().withMaxLength(6)).get(0);
            DecodedCaption b = CaptionSearch.decode(step, start(i), DecodeOptions.beam(1).withLengthPenalty(0).withMaxLength(6))
                    .get(0);
            assertArrayEquals(g.tokens, b.tokens);
            assertEquals(g.logProb, b.logProb, 1e-9);
            DecodedCaption cold = CaptionSearch.decode(step, start(i), DecodeOptions.sample(1e-4, 0, 1).withMaxLength(6)).get(0);
            DecodedCaption top1 = CaptionSearch.decode(step, start(i), DecodeOptions.sample(1.0, 1, 2).withMaxLength(6)).get(0);
            assertArrayEquals(g.tokens, cold.tokens);
            assertArrayEquals(g.tokens, top1.tokens);
            assertEquals(g.tokens.length + (g.ended ? 1 : 0), g.attention.length);
            for (float[] a : g.attention) {
                double sum = 0;
                for (float v : a) {
                    sum += v;
                }
                assertEquals(1.0, sum, 1e-5);
            }
        }
    }

    @Test
    void batchedGreedyEqualsOneByOne() {
        List<DecodedCaption> all = CaptionSearch.decode(step, step.start(feats, pooled, null),
                DecodeOptions.greedy().withMaxLength(5));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(CaptionSearch.decode(step, start(i), DecodeOptions.greedy().withMaxLength(5)).get(0).tokens,
                    all.get(i).tokens);
        }
    }

    @Test
    void wideBeamFindsTheExhaustiveOptimum() {
        int maxLen = 3;
        for (int i = 0; i < 3; i++) {
            double[] best = {Double.NEGATIVE_INFINITY};
            int[][] arg = {null};
            search(start(i), Vocabulary.START_ID, new int[0], 0, maxLen, best, arg);
            DecodeOptions exhaustive = DecodeOptions.beam(300).withLengthPenalty(0).withMaxLength(maxLen);
            DecodedCaption b = CaptionSearch.decode(step, start(i), exhaustive).get(0);
            if (arg[0] != null) {
                assertEquals(best[0], b.logProb, 1e-9, "image " + i);
                assertArrayEquals(arg[0], b.tokens);
                assertTrue(b.ended);
            }
            DecodedCaption g = CaptionSearch.decode(step, start(i), DecodeOptions.greedy().withMaxLength(maxLen)).get(0);
            if (g.ended) {
                assertTrue(b.logProb >= g.logProb - 1e-12, "beam " + b.logProb + " below greedy " + g.logProb);
            }
        }
    }

    List<AttentionDecoderStep.State> starts(int i, AttentionDecoderStep... members) {
        List<AttentionDecoderStep.State> s = new ArrayList<>();
        for (AttentionDecoderStep m : members) {
            s.add(m.start(feats, pooled, null).select(i));
        }
        return s;
    }

    @Test
    void anEnsembleOfTwoCopiesDecodesAsTheModel() {
        List<DecodeOptions> all = List.of(DecodeOptions.greedy().withMaxLength(6), DecodeOptions.beam(3).withMaxLength(6),
                DecodeOptions.sample(0.8, 0, 5).withMaxLength(6));
        for (int i = 0; i < 3; i++) {
            for (DecodeOptions o : all) {
                DecodedCaption one = CaptionSearch.decode(step, start(i), o).get(0);
                DecodedCaption two = CaptionSearch.decode(List.of(step, step), starts(i, step, step), o).get(0);
                assertArrayEquals(one.tokens, two.tokens, o.strategy + " image " + i);
                assertEquals(one.logProb, two.logProb, 1e-9);
                for (int t = 0; t < one.attention.length; t++) {
                    assertArrayEquals(one.attention[t], two.attention[t], 1e-6f);
                }
            }
        }
    }

    @Test
    void anEnsembleSearchesTheMeanOfItsMembersDistributions() {
        int maxLen = 3;
        for (int i = 0; i < 3; i++) {
            double[] best = {Double.NEGATIVE_INFINITY};
            int[][] arg = {null};
            searchMixture(starts(i, step, other), Vocabulary.START_ID, new int[0], 0, maxLen, best, arg);
            DecodeOptions exhaustive = DecodeOptions.beam(300).withLengthPenalty(0).withMaxLength(maxLen);
            DecodedCaption b = CaptionSearch.decode(List.of(step, other), starts(i, step, other), exhaustive).get(0);
            assertNotNull(arg[0]);
            assertEquals(best[0], b.logProb, 1e-9, "image " + i);
            assertArrayEquals(arg[0], b.tokens);
            // and the mixture's optimum is not simply one member's
            DecodedCaption a = CaptionSearch.decode(step, start(i), exhaustive).get(0);
            assertTrue(b.logProb != a.logProb);
            // a word's attention: the members' weights in proportion to their probabilities of the word
            DecodedCaption g = CaptionSearch.decode(List.of(step, other), starts(i, step, other),
                    DecodeOptions.greedy().withMaxLength(1)).get(0);
            int w = g.tokens.length > 0 ? g.tokens[0] : Vocabulary.END_ID;
            AttentionDecoderStep.Output o1 = step.step(start(i), new int[]{Vocabulary.START_ID});
            AttentionDecoderStep.Output o2 = other.step(other.start(feats, pooled, null).select(i),
                    new int[]{Vocabulary.START_ID});
            double p1 = Math.exp(CaptionSearch.wordLogProbs(o1.logits.getRow(0).toFloatVector(), 1.0)[w]);
            double p2 = Math.exp(CaptionSearch.wordLogProbs(o2.logits.getRow(0).toFloatVector(), 1.0)[w]);
            float[] a1 = o1.alpha.getRow(0).toFloatVector(), a2 = o2.alpha.getRow(0).toFloatVector();
            assertTrue(Math.abs(p1 - p2) > 1e-3, "the members should disagree on the word");
            for (int r = 0; r < a1.length; r++) {
                assertEquals((p1 * a1[r] + p2 * a2[r]) / (p1 + p2), g.attention[0][r], 1e-6);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> CaptionSearch.decode(List.of(step, other), starts(0, step), DecodeOptions.greedy()));
    }

    @Test
    void meanOfDistributionsIsTheLogOfTheMeanProbability() {
        double[][] lp = {{Math.log(0.5), Math.log(0.5), Double.NEGATIVE_INFINITY}, {Math.log(0.1), Math.log(0.3), Math.log(0.6)}};
        double[] m = CaptionSearch.meanOfDistributions(lp);
        assertEquals(Math.log(0.3), m[0], 1e-12);
        assertEquals(Math.log(0.4), m[1], 1e-12);
        assertEquals(Math.log(0.3), m[2], 1e-12);
        double[] both = CaptionSearch.meanOfDistributions(new double[][]{{Double.NEGATIVE_INFINITY}, {Double.NEGATIVE_INFINITY}});
        assertEquals(Double.NEGATIVE_INFINITY, both[0]);
    }

    /** Exhaustive search of the mixture, its word probabilities computed here: log((p_step + p_other) / 2). */
    private static void searchMixture(List<AttentionDecoderStep.State> s, int prev, int[] toks, double logp, int left,
                                      double[] best, int[][] arg) {
        if (left == 0) {
            return;
        }
        AttentionDecoderStep.Output o1 = step.step(s.get(0), new int[]{prev});
        AttentionDecoderStep.Output o2 = other.step(s.get(1), new int[]{prev});
        double[] p1 = CaptionSearch.wordLogProbs(o1.logits.getRow(0).toFloatVector(), 1.0);
        double[] p2 = CaptionSearch.wordLogProbs(o2.logits.getRow(0).toFloatVector(), 1.0);
        for (int w = 0; w < V; w++) {
            double lp = Math.log((Math.exp(p1[w]) + Math.exp(p2[w])) / 2);
            if (lp == Double.NEGATIVE_INFINITY) {
                continue;
            }
            if (w == Vocabulary.END_ID) {
                if (logp + lp > best[0]) {
                    best[0] = logp + lp;
                    arg[0] = toks;
                }
            } else {
                int[] next = Arrays.copyOf(toks, toks.length + 1);
                next[toks.length] = w;
                searchMixture(List.of(o1.state, o2.state), w, next, logp + lp, left - 1, best, arg);
            }
        }
    }

    /** All sequences that end with <end> within maxLen steps: the best log-probability. */
    private static void search(AttentionDecoderStep.State s, int prev, int[] toks, double logp, int left, double[] best,
                               int[][] arg) {
        if (left == 0) {
            return;
        }
        AttentionDecoderStep.Output out = step.step(s, new int[]{prev});
        double[] lp = CaptionSearch.wordLogProbs(out.logits.getRow(0).toFloatVector(), 1.0);
        for (int w = 0; w < V; w++) {
            if (w == Vocabulary.END_ID) {
                if (logp + lp[w] > best[0]) {
                    best[0] = logp + lp[w];
                    arg[0] = toks;
                }
            } else {
                int[] next = Arrays.copyOf(toks, toks.length + 1);
                next[toks.length] = w;
                search(out.state, w, next, logp + lp[w], left - 1, best, arg);
            }
        }
    }

    @Test
    void noStrategyEverWritesUnkPadOrStartEvenWhenTheNetworkPrefersThem() {
        Nd4j.getRandom().setSeed(5);
        CaptionNetwork net = CaptionNetwork.builder().featureSize(8).pooledSize(8).projectionSize(6).embeddingSize(4)
                .hiddenSize(6).attentionSize(5).outputHiddenSize(6).vocabularySize(V).dataType(DataType.DOUBLE).seed(4).build();
        INDArray outB = net.getVertex(CaptionNetwork.DECODER).paramTable(false).get("outB");   // [1, V]
        outB.putScalar(Vocabulary.UNK_ID, 50.0);                                               // <unk> almost surely
        outB.putScalar(Vocabulary.PAD_ID, 40.0);
        outB.putScalar(Vocabulary.START_ID, 40.0);
        try (AttentionDecoderStep biased = AttentionDecoderStep.of(net)) {
            AttentionDecoderStep.State s = biased.start(feats, pooled, null);
            for (DecodeOptions o : List.of(DecodeOptions.greedy(), DecodeOptions.beam(3), DecodeOptions.sample(1.0, 0, 7),
                    DecodeOptions.sample(2.0, 5, 8))) {
                for (int i = 0; i < 3; i++) {
                    DecodedCaption c = CaptionSearch.decode(biased, s.select(i), o.withMaxLength(8)).get(0);
                    for (int w : c.tokens) {
                        assertTrue(w != Vocabulary.UNK_ID && w != Vocabulary.PAD_ID && w != Vocabulary.START_ID,
                                o.strategy + " wrote id " + w + " in " + Arrays.toString(c.tokens));
                    }
                    assertTrue(Double.isFinite(c.logProb), o.strategy + ": " + c.logProb);
                }
            }
        }
        double[] lp = CaptionSearch.wordLogProbs(new float[]{9, 9, 0, 9, 0, 0}, 1.0);
        assertEquals(Double.NEGATIVE_INFINITY, lp[Vocabulary.UNK_ID]);
        assertEquals(Math.log(1.0 / 3), lp[Vocabulary.END_ID], 1e-9, "renormalised over the words left");
    }

    @Test
    void blockRepeatsBansTheWordThatWouldRepeatAnNgram() {
        int[] toks = {4, 5, 6, 4, 5};
        double[] lp = new double[8];
        CaptionSearch.blockRepeats(lp, toks, toks.length, 3);             // "4 5" was followed by 6
        assertEquals(Double.NEGATIVE_INFINITY, lp[6]);
        assertEquals(1, Arrays.stream(lp).filter(v -> v == Double.NEGATIVE_INFINITY).count());
        double[] bigram = new double[8];
        CaptionSearch.blockRepeats(bigram, toks, toks.length, 2);         // "5" was followed by 6
        assertEquals(Double.NEGATIVE_INFINITY, bigram[6]);
        double[] off = new double[8];
        CaptionSearch.blockRepeats(off, toks, toks.length, 0);
        CaptionSearch.blockRepeats(off, toks, 1, 3);                      // too short to repeat a trigram
        assertTrue(Arrays.stream(off).allMatch(v -> v == 0.0));
    }

    @Test
    void noStrategyRepeatsATrigramWhenBlockingEvenWhenTheNetworkLoops() {
        int vocab = 12;
        Nd4j.getRandom().setSeed(6);
        CaptionNetwork net = CaptionNetwork.builder().featureSize(8).pooledSize(8).projectionSize(6).embeddingSize(4)
                .hiddenSize(6).attentionSize(5).outputHiddenSize(6).vocabularySize(vocab).dataType(DataType.DOUBLE)
                .seed(5).build();
        INDArray outB = net.getVertex(CaptionNetwork.DECODER).paramTable(false).get("outB");   // [1, V]
        outB.putScalar(7, 8.0);                                                                // "7 7 7 ..." unless blocked
        outB.putScalar(8, 6.0);
        outB.putScalar(Vocabulary.END_ID, -20.0);
        try (AttentionDecoderStep looping = AttentionDecoderStep.of(net)) {
            AttentionDecoderStep.State s = looping.start(feats, pooled, null);
            DecodedCaption free = CaptionSearch.decode(looping, s.select(0), DecodeOptions.greedy().withMaxLength(10)).get(0);
            assertTrue(repeatsTrigram(free.tokens), "without blocking the network loops: " + Arrays.toString(free.tokens));
            for (DecodeOptions o : List.of(DecodeOptions.greedy(), DecodeOptions.beam(3), DecodeOptions.sample(1.0, 0, 7))) {
                for (int i = 0; i < 3; i++) {
                    DecodedCaption c = CaptionSearch.decode(looping, s.select(i), o.withMaxLength(10).withNoRepeatNgram(3))
                            .get(0);
                    assertFalse(repeatsTrigram(c.tokens), o.strategy + ": " + Arrays.toString(c.tokens));
                    assertEquals(10, c.tokens.length, o.strategy + " still writes to the maximum length");
                    assertTrue(Double.isFinite(c.logProb), o.strategy + ": " + c.logProb);
                }
            }
        }
    }

    private static boolean repeatsTrigram(int[] t) {
        java.util.Set<List<Integer>> seen = new java.util.HashSet<>();
        for (int i = 0; i + 2 < t.length; i++) {
            if (!seen.add(List.of(t[i], t[i + 1], t[i + 2]))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void stopsAtMaxLengthAndValidatesOptions() {
        DecodedCaption g = CaptionSearch.decode(step, start(0), DecodeOptions.greedy().withMaxLength(1)).get(0);
        assertTrue(g.tokens.length <= 1);
        assertThrows(IllegalArgumentException.class, () -> DecodeOptions.beam(0));
        assertThrows(IllegalArgumentException.class, () -> DecodeOptions.sample(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> DecodeOptions.greedy().withNoRepeatNgram(-1));
    }
}
