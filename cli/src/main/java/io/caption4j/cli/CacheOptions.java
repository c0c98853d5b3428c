package io.caption4j.cli;

import java.nio.file.Path;

import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.zoo.TrainingRun;
import picocli.CommandLine.Option;

/** Where encoded images are cached, shared by the commands that encode data sets. */
public final class CacheOptions {
    @Option(names = "--cache", description = "Feature cache folder (default: the caption4j cache folder's features/).")
    Path cache;

    @Option(names = "--no-cache", description = "Encode images every time instead of caching their features.")
    boolean noCache;

    @Option(names = "--encode-batch", description = "Images per encoder batch (default: ${DEFAULT-VALUE}).")
    int encodeBatch = TrainingRun.ENCODE_BATCH;

    /** The cache folder these options name, or null for none. */
    Path folder() {
        return noCache ? null : cache != null ? cache : TrainingRun.defaultFeatureCache();
    }

    /** The feature pipeline for an encoder with k x k pooling. */
    FeatureSource featureSource(ImageEncoder enc, int pool) {
        return TrainingRun.featureSource(enc, pool, folder(), encodeBatch);
    }
}
