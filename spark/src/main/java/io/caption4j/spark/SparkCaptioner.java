package io.caption4j.spark;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.caption4j.core.CaptionException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Captions images with Spark: a folder, glob or list of image paths (local, HDFS, S3 through Spark's
 * {@code binaryFile} source) or a DataFrame with a {@code path} column (and optionally the bytes in {@code content}),
 * into a table of path, caption, tokens, logProb and error. One model per executor JVM; each partition's images are
 * captioned {@link Builder#optBatchSize batch} at a time; an image that cannot be read gets an error, not a failed job.
 *
 * <pre>{@code
 * SparkCaptioner c = SparkCaptioner.builder().optBeamSize(3).build();
 * c.write(c.describeFiles(spark, "hdfs:///photos/*.jpg"), "hdfs:///captions", SparkCaptioner.Format.PARQUET);
 * }</pre>
 */
public final class SparkCaptioner {
    /** The output table: caption, tokens and logProb are null where error is not. */
    public static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("caption", DataTypes.StringType, true)
            .add("tokens", DataTypes.createArrayType(DataTypes.StringType, false), true)
            .add("logProb", DataTypes.DoubleType, true)
            .add("error", DataTypes.StringType, true);

    /** How {@link #write} stores the table. */
    public enum Format { PARQUET, JSON }

    private final String model;
    private final int beamSize;
    private final int batchSize;

    private SparkCaptioner(Builder b) {
        this.model = b.model;
        this.beamSize = b.beamSize;
        this.batchSize = b.batchSize;
    }

    /** A builder; every setting is optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings of a {@link SparkCaptioner}. */
    public static final class Builder {
        private String model = ExecutorModels.DEFAULT;
        private int beamSize;
        private int batchSize = 16;

        private Builder() {
        }

        /**
         * The model file (or training checkpoint) each executor loads: a path every executor can read, a file shipped
         * with {@code spark-submit --files} (by its name), or a Hadoop URI; default: the built-in model.
         */
        public Builder optModel(String pathOrUri) {
            if (pathOrUri == null || pathOrUri.isBlank()) {
                throw new CaptionException("optModel needs a path or URI");
            }
            this.model = pathOrUri;
            return this;
        }

        /** Beam size, 1 = greedy; default: the model's own decoding. */
        public Builder optBeamSize(int k) {
            if (k < 1) {
                throw new CaptionException("The beam size must be at least 1, got " + k);
            }
            this.beamSize = k;
            return this;
        }

        /** Images per {@code describeAll} call within a partition (default 16). */
        public Builder optBatchSize(int n) {
            if (n < 1) {
                throw new CaptionException("The batch size must be at least 1, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        public SparkCaptioner build() {
            return new SparkCaptioner(this);
        }
    }

    /** Captions the files of folders, globs or single files (any Hadoop URI), read with Spark's binaryFile source. */
    public Dataset<Row> describeFiles(SparkSession spark, String... pathsOrGlobs) {
        if (pathsOrGlobs == null || pathsOrGlobs.length == 0) {
            throw new CaptionException("describeFiles needs at least one folder, glob or file");
        }
        Dataset<Row> files = spark.read().format("binaryFile").load(pathsOrGlobs);
        return describe(files);
    }

    /**
     * Captions a DataFrame with a string column {@code path} and, optionally, the encoded image in a binary column
     * {@code content} (as the binaryFile source gives); without content each executor reads the path itself.
     */
    public Dataset<Row> describe(Dataset<Row> images) {
        List<String> columns = Arrays.asList(images.columns());
        if (!columns.contains("path")) {
            throw new CaptionException("SparkCaptioner needs a 'path' column; the DataFrame has " + columns);
        }
        boolean hasContent = columns.contains("content");
        Dataset<Row> in = hasContent ? images.select("path", "content") : images.select("path");
        Map<String, String> hadoop = new HashMap<>();
        if (!hasContent) {
            in.sparkSession().sparkContext().hadoopConfiguration().forEach(e -> hadoop.put(e.getKey(), e.getValue()));
        }
        return in.mapPartitions(new PartitionCaptioner(model, beamSize, batchSize, hasContent, hadoop), Encoders.row(SCHEMA));
    }

    /** Writes a caption table as Parquet or JSON lines into a folder (replacing what is there). */
    public static void write(Dataset<Row> captions, String output, Format format) {
        var w = captions.write().mode("overwrite");
        if (format == Format.JSON) {
            w.json(output);
        } else {
            w.parquet(output);
        }
    }
}
