package io.caption4j.core.image;

import io.caption4j.core.CaptionException;

/**
 * How models, checkpoints and the command line name an image encoder: {@code ENCODER:LAYER}, for example
 * {@code nsfwjs:MIXED5} or {@code keras:/models/inception_v3.h5:MIXED7}. The layer is the text after the last colon
 * (the encoder part may hold colons, as a path does); a spec without a colon names an encoder with one output
 * (its {@link ImageEncoder#id()}, say) and no layer. A saved model records {@link #toString()}; a training
 * configuration records the two parts apart ({@code encoder}, {@code layer}); an {@link EncoderProvider} reads
 * them back with {@link #parse}.
 *
 * @param encoder the encoder: {@code nsfwjs}, {@code keras:PATH}, or another provider's name
 * @param layer the feature layer, or null for an encoder without layers
 */
public record EncoderSpec(String encoder, String layer) {
    public EncoderSpec {
        if (encoder == null || encoder.isEmpty()) {
            throw new CaptionException("An encoder spec needs an encoder name");
        }
        if (layer != null && (layer.isEmpty() || layer.contains(":"))) {
            throw new CaptionException("Bad layer '" + layer + "' in the spec of encoder '" + encoder + "'");
        }
        if (layer == null && encoder.contains(":")) {
            throw new CaptionException("The encoder '" + encoder + "' needs a layer: " + encoder + ":LAYER");
        }
    }

    /** The spec of an encoder at a layer (null: an encoder without layers). */
    public static EncoderSpec of(String encoder, String layer) {
        return new EncoderSpec(encoder, layer);
    }

    /** Reads {@code ENCODER:LAYER} (the layer after the last colon) or a plain {@code ENCODER}. */
    public static EncoderSpec parse(String spec) {
        if (spec == null || spec.isEmpty()) {
            throw new CaptionException("An empty encoder spec: use ENCODER:LAYER, e.g. nsfwjs:MIXED5");
        }
        int colon = spec.lastIndexOf(':');
        return colon < 0 ? new EncoderSpec(spec, null) : new EncoderSpec(spec.substring(0, colon), spec.substring(colon + 1));
    }

    /** {@code ENCODER:LAYER}, or {@code ENCODER} without a layer: what {@link #parse} reads back. */
    @Override
    public String toString() {
        return layer == null ? encoder : encoder + ":" + layer;
    }
}
