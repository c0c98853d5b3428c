package io.caption4j.spark;

import java.io.Serializable;
import java.nio.file.Path;

import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;

/**
 * Which captioner the executors load: the built-in default model, or a model file (or training checkpoint) that the
 * driver ships with the job ({@code SparkContext.addFile}: a local path, or an HDFS / S3 / HTTP URI that Spark can
 * fetch), so the executors need no shared file system for it.
 */
final class ModelRef implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The name under which the file was shipped ({@link SparkFiles#get}), or null for the default model. */
    private final String shippedName;

    private ModelRef(String shippedName) {
        this.shippedName = shippedName;
    }

    /** The default model of caption4j-zoo. */
    static ModelRef pretrained() {
        return new ModelRef(null);
    }

    /** Ships the file (path or URI) with the job of this session and refers to the executors' copy. */
    static ModelRef shipped(SparkSession spark, String pathOrUri) {
        spark.sparkContext().addFile(pathOrUri);
        String name = pathOrUri.substring(pathOrUri.lastIndexOf('/') + 1);
        return new ModelRef(name);
    }

    /** Whether this is the default model. */
    boolean isPretrained() {
        return shippedName == null;
    }

    /** The executor's local copy of the shipped file (call on an executor or the driver of the job). */
    Path localFile() {
        return Path.of(SparkFiles.get(shippedName));
    }

    /** The key of the executor's model cache. */
    String key() {
        return shippedName == null ? "pretrained" : localFile().toAbsolutePath().toString();
    }
}
