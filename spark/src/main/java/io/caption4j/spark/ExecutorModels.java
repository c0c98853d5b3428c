package io.caption4j.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;

/**
 * One {@link CaptionModel} per executor JVM and model: loaded by the first task that needs it, then shared by every
 * task of that executor (a model is safe for concurrent callers) until the JVM ends. A model costs a few hundred MB
 * with its encoder, so loading it per task or per partition would dominate small partitions.
 */
final class ExecutorModels {
    private static final Map<String, CaptionModel> MODELS = new ConcurrentHashMap<>();

    private ExecutorModels() {
    }

    /** The executor's model for the reference, loaded on first use (concurrent first users wait for one load). */
    static CaptionModel get(ModelRef ref) {
        return MODELS.computeIfAbsent(ref.key(), k -> ref.isPretrained() ? CaptionModel.pretrained()
                : ModelFiles.open(ref.localFile()));
    }

    /** How many models this JVM holds (for tests). */
    static int loaded() {
        return MODELS.size();
    }
}
