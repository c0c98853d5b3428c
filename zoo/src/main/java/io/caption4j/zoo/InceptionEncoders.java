package io.caption4j.zoo;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.caption4j.core.CaptionException;
import io.caption4j.core.image.EncoderProvider;
import io.caption4j.core.image.EncoderSpec;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.zoo.inception.InceptionV3Encoder;

/**
 * The InceptionV3 encoders by {@link EncoderSpec}: {@code nsfwjs:LAYER} (the default weights) or
 * {@code keras:PATH:LAYER}, LAYER one of MIXED5, MIXED7, MIXED10, or {@code GRID+POOLED} (say {@code MIXED5+MIXED10}):
 * regions from one layer, the pooled vector from another in the same pass. One instance per spec is shared
 * (encoders are thread-safe and large).
 */
public final class InceptionEncoders implements EncoderProvider {
    /** The encoder name of the default weights (nsfwjs@4.4.0's InceptionV3). */
    public static final String NSFWJS = "nsfwjs";
    /** The prefix of the encoder name of Keras weights: {@code keras:PATH}. */
    public static final String KERAS_PREFIX = "keras:";
    private static final Map<String, ImageEncoder> SHARED = new ConcurrentHashMap<>();

    /** The spec of the nsfwjs encoder at a layer. */
    public static String nsfwjsSpec(InceptionV3Encoder.FeatureLayer layer) {
        return EncoderSpec.of(NSFWJS, layer.name()).toString();
    }

    /** The encoder of a spec, shared; a CaptionException for a malformed spec. */
    public static ImageEncoder of(EncoderSpec spec) {
        return of(spec.toString());
    }

    /** The encoder of a spec string ({@code nsfwjs:MIXED5}), shared; a CaptionException for a malformed spec. */
    public static ImageEncoder of(String spec) {
        ImageEncoder e = new InceptionEncoders().create(spec);
        if (e == null) {
            throw new CaptionException("Unknown encoder '" + spec
                    + "': use nsfwjs:LAYER or keras:PATH:LAYER (LAYER: MIXED5, MIXED7, MIXED10)");
        }
        return e;
    }

    @Override
    public ImageEncoder create(String spec) {
        if (spec == null || !(spec.startsWith(NSFWJS + ":") || spec.startsWith(KERAS_PREFIX))) {
            return null;
        }
        EncoderSpec s = EncoderSpec.parse(spec);
        boolean nsfwjs = s.encoder().equals(NSFWJS);
        if (!nsfwjs && !s.encoder().startsWith(KERAS_PREFIX)) {
            return null;
        }
        String[] parts = s.layer().split("\\+", -1);
        if (parts.length > 2) {
            throw new CaptionException("Bad layers in '" + spec + "': use LAYER or GRID+POOLED, e.g. MIXED5+MIXED10");
        }
        InceptionV3Encoder.FeatureLayer layer = layer(parts[0], spec);
        InceptionV3Encoder.FeatureLayer pooled = parts.length == 2 ? layer(parts[1], spec) : layer;
        return SHARED.computeIfAbsent(spec, k -> nsfwjs ? InceptionV3Encoder.nsfwjs(layer, pooled)
                : InceptionV3Encoder.kerasHdf5(Path.of(s.encoder().substring(KERAS_PREFIX.length())), layer, pooled));
    }

    /** The layer part of a spec: {@code LAYER} for grid and pooled vector alike, or {@code GRID+POOLED}. */
    public static String layerSpec(InceptionV3Encoder.FeatureLayer grid, InceptionV3Encoder.FeatureLayer pooled) {
        return pooled == null || pooled == grid ? grid.name() : grid.name() + "+" + pooled.name();
    }

    private static InceptionV3Encoder.FeatureLayer layer(String name, String spec) {
        try {
            return InceptionV3Encoder.FeatureLayer.valueOf(name.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new CaptionException("Unknown InceptionV3 layer in '" + spec + "' (use MIXED5, MIXED7 or MIXED10, "
                    + "or GRID+POOLED such as MIXED5+MIXED10)");
        }
    }
}
