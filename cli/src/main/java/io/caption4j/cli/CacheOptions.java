package io.caption4j.cli;

import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.FeatureCache;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.zoo.NsfwjsPackage;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Where encoded images are cached, shared by the commands that encode data sets. */
public final class CacheOptions {
    @Option(names = "--cache", description = "Feature cache folder (default: the caption4j cache folder's features/).")
    Path cache;

    @Option(names = "--no-cache", description = "Encode images every time instead of caching their features.")
    boolean noCache;

    @Option(names = "--encode-batch", defaultValue = "8", description = "Images per encoder batch (default: ${DEFAULT-VALUE}).")
    int encodeBatch = 8;

    /** The feature pipeline for an encoder with k x k pooling. */
    FeatureSource featureSource(ImageEncoder enc, int pool) {
        FeatureCache c = null;
        if (!noCache) {
            Path dir = cache != null ? cache : NsfwjsPackage.cacheDir().resolve("features");
            try {
                c = new FeatureCache(dir, FeatureSource.cacheKey(enc, pool));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create the feature cache folder " + dir, e);
            }
        }
        return new FeatureSource(enc, pool, c, new ImageLoader(), encodeBatch);
    }
}
