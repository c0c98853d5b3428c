package io.caption4j.core.image;

/**
 * Recreates an image encoder from the spec a saved {@link io.caption4j.core.CaptionModel} records (for example
 * {@code nsfwjs:MIXED5}). Found with {@link java.util.ServiceLoader}; {@code caption4j-zoo} provides the
 * InceptionV3 encoders.
 */
public interface EncoderProvider {
    /** The encoder for the spec, or null if this provider does not know it. */
    ImageEncoder create(String spec);
}
