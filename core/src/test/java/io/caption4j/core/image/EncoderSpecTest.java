package io.caption4j.core.image;

import io.caption4j.core.CaptionException;
import io.caption4j.core.train.TrainConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EncoderSpecTest {
    @Test
    void parsesAndFormatsTheForms() {
        EncoderSpec n = EncoderSpec.parse("nsfwjs:MIXED5");
        assertEquals(EncoderSpec.of("nsfwjs", "MIXED5"), n);
        assertEquals("nsfwjs:MIXED5", n.toString());

        EncoderSpec k = EncoderSpec.parse("keras:/models/c:d/inception_v3.h5:MIXED7");
        assertEquals("keras:/models/c:d/inception_v3.h5", k.encoder());
        assertEquals("MIXED7", k.layer());
        assertEquals("keras:/models/c:d/inception_v3.h5:MIXED7", k.toString());

        EncoderSpec plain = EncoderSpec.parse("demo/colour-grid-4x4");
        assertNull(plain.layer());
        assertEquals("demo/colour-grid-4x4", plain.toString());
    }

    @Test
    void trainingConfigurationsRecordTheTwoParts() {
        TrainConfig c = new TrainConfig();
        assertEquals("nsfwjs:MIXED5", c.encoderSpec().toString());
        c.encoder = "keras:/w.h5";
        c.layer = "MIXED10";
        assertEquals(EncoderSpec.parse("keras:/w.h5:MIXED10"), c.encoderSpec());
        assertFalse(c.toJson().contains("encoderSpec"), "the JSON keeps its two properties");
    }

    @Test
    void malformedSpecsSayWhy() {
        assertThrows(CaptionException.class, () -> EncoderSpec.parse(""));
        assertThrows(CaptionException.class, () -> EncoderSpec.parse("nsfwjs:"));
        assertThrows(CaptionException.class, () -> EncoderSpec.of("keras:/w.h5", null));
        assertThrows(CaptionException.class, () -> EncoderSpec.of("nsfwjs", "a:b"));
    }
}
