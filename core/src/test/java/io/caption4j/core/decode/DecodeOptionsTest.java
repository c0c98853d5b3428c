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
}
