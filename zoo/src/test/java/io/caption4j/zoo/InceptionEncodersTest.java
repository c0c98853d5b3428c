package io.caption4j.zoo;

import io.caption4j.core.CaptionException;
import io.caption4j.core.image.EncoderSpec;
import io.caption4j.zoo.inception.InceptionV3Encoder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spec grammar of the InceptionV3 encoders (no weights needed: every case fails before loading any). */
class InceptionEncodersTest {
    @Test
    void specsOfOtherProvidersAreNotTheirs() {
        InceptionEncoders p = new InceptionEncoders();
        assertNull(p.create(null));
        assertNull(p.create("toy"));
        assertNull(p.create("demo/colour-grid-4x4"));
        assertNull(p.create("keras:MIXED5"), "keras needs a path");
    }

    @Test
    void badSpecsSayWhy() {
        String m = assertThrows(CaptionException.class, () -> InceptionEncoders.of("nsfwjs:MIXED99")).getMessage();
        assertTrue(m.contains("MIXED99"), m);
        m = assertThrows(CaptionException.class, () -> InceptionEncoders.of(EncoderSpec.of("vgg", "fc7"))).getMessage();
        assertTrue(m.contains("vgg:fc7") && m.contains("nsfwjs:LAYER"), m);
        m = assertThrows(CaptionException.class, () -> InceptionEncoders.of("nsfwjs:MIXED5+MIXED9")).getMessage();
        assertTrue(m.contains("MIXED5+MIXED9") && m.contains("GRID+POOLED"), m);
        m = assertThrows(CaptionException.class, () -> InceptionEncoders.of("nsfwjs:MIXED5+MIXED7+MIXED10")).getMessage();
        assertTrue(m.contains("GRID+POOLED"), m);
        assertThrows(CaptionException.class, () -> InceptionEncoders.of("nsfwjs:MIXED5+"));
    }

    @Test
    void theLayerPairSpellsGridThenPooled() {
        assertEquals("MIXED5+MIXED10", InceptionEncoders.layerSpec(InceptionV3Encoder.FeatureLayer.MIXED5,
                InceptionV3Encoder.FeatureLayer.MIXED10));
        assertEquals("MIXED5", InceptionEncoders.layerSpec(InceptionV3Encoder.FeatureLayer.MIXED5,
                InceptionV3Encoder.FeatureLayer.MIXED5));
        assertEquals("MIXED7", InceptionEncoders.layerSpec(InceptionV3Encoder.FeatureLayer.MIXED7, null));
    }

    @Test
    void theNsfwjsSpecIsAnEncoderSpec() {
        assertEquals(EncoderSpec.of("nsfwjs", "MIXED7"),
                EncoderSpec.parse(InceptionEncoders.nsfwjsSpec(InceptionV3Encoder.FeatureLayer.MIXED7)));
    }
}
