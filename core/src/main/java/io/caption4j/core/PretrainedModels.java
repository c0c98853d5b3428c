package io.caption4j.core;

/** Supplies {@link CaptionModel#pretrained()}; found with {@link java.util.ServiceLoader} ({@code caption4j-zoo} has one). */
public interface PretrainedModels {
    /** The default captioner. */
    CaptionModel defaultModel();
}
