package io.caption4j.core.eval;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Attention statistics and object-mention precision/recall on hand-computed cases. */
class GroundingMetricsTest {

    @Test
    void uniformAttentionHasEntropyRatioOneAndMaxRatioOne() {
        float[] uniform = new float[81];
        Arrays.fill(uniform, 1f / 81);
        AttentionStatistics s = AttentionStatistics.of(List.<float[][]>of(new float[][]{uniform, uniform}));
        assertEquals(1.0, s.entropyRatio(), 1e-5);
        assertEquals(1.0, s.maxRatio(), 1e-5);
        assertEquals(2, s.words());
    }

    @Test
    void oneHotAttentionHasEntropyZeroAndMaxRatioL() {
        float[] oneHot = new float[16];
        oneHot[3] = 1;
        float[] half = new float[16];
        half[0] = 0.5f;
        half[1] = 0.5f;
        AttentionStatistics s = AttentionStatistics.of(List.<float[][]>of(new float[][]{oneHot}, new float[][]{half}));
        // entropies 0 and ln 2, over ln 16 = 4 ln 2: mean (0 + 1/4) / 2; max ratios 16 and 8
        assertEquals(0.125, s.entropyRatio(), 1e-6);
        assertEquals(12.0, s.maxRatio(), 1e-5);
    }

    @Test
    void noWordsGiveNaN() {
        assertTrue(Double.isNaN(AttentionStatistics.of(List.of()).entropyRatio()));
    }

    @Test
    void mentionsCountPresenceByThreeReferences() {
        List<List<String>> hyps = List.of(List.of("a", "dog", "runs"), List.of("a", "dog", "sits"), List.of("a", "man"));
        List<List<List<String>>> refs = List.of(
                refs("a dog", "the dog", "dog on grass", "a cat", "an animal"),  // dog present (3 refs), said
                refs("a cat", "a cat", "a dog", "a dog", "a kitten"),            // dog not present (2 refs), said
                refs("a dog", "a dog", "a dog", "a man", "a man"));              // dog present, not said; man not present
        List<ObjectMentions.Row> rows = ObjectMentions.score(hyps, refs, List.of("dog", "man", "snow"));
        ObjectMentions.Row dog = rows.get(0), man = rows.get(1), snow = rows.get(2);
        assertEquals(new ObjectMentions.Row("dog", 2, 2, 1), dog);
        assertEquals(0.5, dog.precision(), 1e-12);
        assertEquals(0.5, dog.recall(), 1e-12);
        assertEquals(new ObjectMentions.Row("man", 0, 1, 0), man);
        assertEquals(0.0, man.precision(), 1e-12);
        assertTrue(Double.isNaN(man.recall()));
        assertTrue(Double.isNaN(snow.precision()));
        assertEquals(new ObjectMentions.Row("all", 2, 3, 1), ObjectMentions.total(rows));
        assertTrue(ObjectMentions.table(rows).contains("| dog | 2 | 2 | 1 | 0.50 | 0.50 |"));
    }

    @Test
    void mismatchedListsAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ObjectMentions.score(List.of(List.of("a")), List.of(), ObjectMentions.DEFAULT_WORDS));
    }

    private static List<List<String>> refs(String... captions) {
        return Arrays.stream(captions).map(c -> List.of(c.split(" "))).toList();
    }
}
