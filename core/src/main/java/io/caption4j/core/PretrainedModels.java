package io.caption4j.core;

/**
 * Supplies the default captioner's file for {@link CaptionModel#pretrained()}; found with
 * {@link java.util.ServiceLoader} ({@code caption4j-zoo} has one). It hands over verified bytes rather than a model,
 * so this interface does not depend on the class that uses it.
 */
public interface PretrainedModels {
    /** The default model file's bytes, already checked against their expected SHA-256. */
    byte[] defaultModelBytes();

    /** A name for messages about the default model. */
    String defaultModelName();
}
