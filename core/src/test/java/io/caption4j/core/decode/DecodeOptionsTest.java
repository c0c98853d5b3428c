package io.caption4j.core.decode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DecodeOptionsTest {
    @Test
    void beamOrGreedyIsGreedyForOneAndABeamOtherwise() {
        DecodeOptions one = DecodeOptions.beamOrGreedy(1), three = DecodeOptions.beamOrGreedy(3);
        assertEquals(DecodeOptions.Strategy.GREEDY, one.strategy);
        assertEquals(DecodeOptions.greedy().lengthPenalty, one.lengthPenalty);
        assertEquals(DecodeOptions.Strategy.BEAM, three.strategy);
        assertEquals(3, three.beamSize);
        assertEquals(DecodeOptions.beam(3).lengthPenalty, three.lengthPenalty);
        assertThrows(IllegalArgumentException.class, () -> DecodeOptions.beamOrGreedy(0));
    }

    @Test
    void aModelsBlockingAndBeamScoringCarryOverToOtherStrategies() {
        DecodeOptions model = DecodeOptions.beam(5).withLengthPenalty(0.5).withNoRepeatNgram(3);
        DecodeOptions beam3 = DecodeOptions.beam(3).withModelDefaults(model);
        assertEquals(3, beam3.beamSize);
        assertEquals(0.5, beam3.lengthPenalty);
        assertEquals(3, beam3.noRepeatNgram);
        DecodeOptions greedy = DecodeOptions.greedy().withModelDefaults(model);
        assertEquals(3, greedy.noRepeatNgram);
        assertEquals(0.0, greedy.lengthPenalty, "a greedy search has no length penalty");
        assertEquals(1.0, DecodeOptions.beam(3).withModelDefaults(DecodeOptions.greedy()).lengthPenalty,
                "a greedy model gives a beam search no penalty of its own");
    }
}
