package io.caption4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.ModelFiles;
import org.apache.hadoop.conf.Configuration;

/**
 * The captioning models of one executor JVM: each is loaded once, on first use, and shared by all tasks of the executor
 * (a CaptionModel is safe for concurrent callers), so a job loads the model once per executor, not once per task.
 */
final class ExecutorModels {
    /** The key of {@link CaptionModel#pretrained()}. */
    static final String DEFAULT = "default";

    private static final Map<String, CaptionModel> MODELS = new ConcurrentHashMap<>();

    private ExecutorModels() {
    }

    /**
     * The model for a key: {@link #DEFAULT}, a file on this machine (a shared path, or one shipped with
     * {@code spark-submit --files}, which lands in the executor's working directory), or a Hadoop URI (hdfs:, s3a:, ...).
     */
    static CaptionModel get(String key) {
        return MODELS.computeIfAbsent(key, ExecutorModels::load);
    }

    /** How many models this JVM holds (for tests: one per key, however many tasks ran). */
    static int loaded() {
        return MODELS.size();
    }

    private static CaptionModel load(String key) {
        if (DEFAULT.equals(key)) {
            return CaptionModel.pretrained();
        }
        Path local = Path.of(key);
        if (!key.contains("://") && Files.isRegularFile(local)) {
            return ModelFiles.open(local);
        }
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(key);
        try (InputStream in = p.getFileSystem(new Configuration()).open(p)) {   // the FileSystem is Hadoop's cached one
            return CaptionModel.load(in);
        } catch (IOException e) {
            throw new CaptionException("Cannot read the model " + key + " on this executor: " + e.getMessage(), e);
        }
    }
}
