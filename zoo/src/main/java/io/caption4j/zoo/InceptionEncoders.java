package io.caption4j.zoo;

import io.caption4j.core.CaptionException;
import io.caption4j.core.image.EncoderProvider;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.zoo.inception.InceptionV3Encoder;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The InceptionV3 encoders by spec: {@code nsfwjs:LAYER} (the default weights) or {@code keras:PATH:LAYER}, LAYER
 * one of MIXED5, MIXED7, MIXED10. One instance per spec is shared (encoders are thread-safe and large).
 */
public final class InceptionEncoders implements EncoderProvider {
    private static final Map<String, ImageEncoder> SHARED = new ConcurrentHashMap<>();

    /** The spec of the nsfwjs encoder at a layer. */
    public static String nsfwjsSpec(InceptionV3Encoder.FeatureLayer layer) {
        return "nsfwjs:" + layer.name();
    }

    /** The encoder of a spec, shared; a CaptionException for a malformed spec. */
    public static ImageEncoder of(String spec) {
        ImageEncoder e = new InceptionEncoders().create(spec);
        if (e == null) {
            throw new CaptionException("Unknown encoder '" + spec + "': use nsfwjs:LAYER or keras:PATH:LAYER (LAYER: MIXED5, MIXED7, MIXED10)");
        }
        return e;
    }

    @Override
    public ImageEncoder create(String spec) {
        if (spec == null || !(spec.startsWith("nsfwjs:") || spec.startsWith("keras:"))) {
            return null;
        }
        int colon = spec.lastIndexOf(':');
        InceptionV3Encoder.FeatureLayer layer;
        try {
            layer = InceptionV3Encoder.FeatureLayer.valueOf(spec.substring(colon + 1).toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new CaptionException("Unknown InceptionV3 layer in '" + spec + "' (use MIXED5, MIXED7 or MIXED10)");
        }
        return SHARED.computeIfAbsent(spec, s -> s.startsWith("nsfwjs:") ? InceptionV3Encoder.nsfwjs(layer)
                : InceptionV3Encoder.kerasHdf5(Path.of(s.substring("keras:".length(), colon)), layer));
    }
}
