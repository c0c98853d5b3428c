package io.caption4j.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.caption4j.core.data.FeatureSource;
import io.caption4j.zoo.TrainingRun;

/**
 * How a training worker gets the features of its batches: the training pipeline's encoder and pooling, with the
 * feature cache folder the driver's run uses (filled beforehand, e.g. by {@code spark-features}, so workers only read;
 * a missing entry is encoded on the worker and written there). One {@link FeatureSource} per executor JVM and spec.
 */
record FeatureSpec(String encoderSpec, int pool, String cacheDir, int encodeBatch) implements Serializable {
    private static final Map<FeatureSpec, FeatureSource> SOURCES = new ConcurrentHashMap<>();

    /** The executor's feature source of this spec, made on first use. */
    FeatureSource source() {
        return SOURCES.computeIfAbsent(this, s -> TrainingRun.featureSource(ExecutorEncoders.get(s.encoderSpec), s.pool,
                s.cacheDir == null ? null : Path.of(s.cacheDir), s.encodeBatch));
    }
}
