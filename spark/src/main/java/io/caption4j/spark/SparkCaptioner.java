package io.caption4j.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.ImageLoader;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Captions images on a Spark cluster: a folder, glob or list of image files (local, HDFS or S3 through Spark's
 * {@code binaryFile} listing), or a DataFrame with a path or a binary column, becomes a table of {@link #SCHEMA}: path,
 * caption, tokens, log-probability, optional attention, and an error for each image that could not be read or
 * captioned (one bad image never fails the job). Each executor JVM loads the model once ({@link ExecutorModels}) and
 * captions its partitions in batches through {@link CaptionModel#describeAll}; the captions are those of
 * {@link CaptionModel#describe} with the same decoding.
 * <pre>{@code
 * SparkCaptioner captioner = SparkCaptioner.builder().optBeamSize(3).build();
 * Dataset<Row> captions = captioner.describe(spark, "hdfs:///photos/*.jpg");
 * SparkJobs.Summary s = SparkJobs.write(captions, "captions.parquet", SparkJobs.Format.PARQUET, false);
 * }</pre>
 */
public final class SparkCaptioner implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The output table: one row per input image. */
    public static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("caption", DataTypes.StringType, true)
            .add("tokens", DataTypes.createArrayType(DataTypes.StringType, false), true)
            .add("logprob", DataTypes.DoubleType, true)
            .add("attention", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false), true)
            .add("grid_height", DataTypes.IntegerType, true)
            .add("grid_width", DataTypes.IntegerType, true)
            .add("error", DataTypes.StringType, true);

    private final String model;
    private final Integer beamSize, maxLength;
    private final int batchSize, partitions;
    private final boolean attention;

    private SparkCaptioner(Builder b) {
        this.model = b.model;
        this.beamSize = b.beamSize;
        this.maxLength = b.maxLength;
        this.batchSize = b.batchSize;
        this.partitions = b.partitions;
        this.attention = b.attention;
    }

    /** A builder; every setting is optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings of a {@link SparkCaptioner}. */
    public static final class Builder {
        private String model;
        private Integer beamSize, maxLength;
        private int batchSize = 8, partitions;
        private boolean attention;

        /** A model file or training checkpoint (path or URI), shipped with the job (default: the built-in model). */
        public Builder optModel(String pathOrUri) {
            this.model = pathOrUri;
            return this;
        }

        /** Beam size, 1 = greedy (default: the model's). */
        public Builder optBeamSize(int k) {
            this.beamSize = k;
            return this;
        }

        /** Maximum caption length in words (default: the model's). */
        public Builder optMaxLength(int n) {
            this.maxLength = n;
            return this;
        }

        /** Images per {@code describeAll} batch within a partition (default 8). */
        public Builder optBatchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /** Partitions of a listed input (default: 4 per core of the cluster, so slow partitions even out). */
        public Builder optPartitions(int n) {
            this.partitions = n;
            return this;
        }

        /** Also write each word's attention map (row-major over the grid of grid_height x grid_width). */
        public Builder optAttention(boolean on) {
            this.attention = on;
            return this;
        }

        /** The captioner; a CaptionException names a bad setting. */
        public SparkCaptioner build() {
            if ((beamSize != null && beamSize < 1) || (maxLength != null && maxLength < 1) || batchSize < 1
                    || partitions < 0) {
                throw new CaptionException("beam size, maximum length and batch size must be >= 1, partitions >= 0 (got "
                        + beamSize + ", " + maxLength + ", " + batchSize + ", " + partitions + ")");
            }
            return new SparkCaptioner(this);
        }
    }

    /** Captions the image files of folders, globs or single files (as Spark's {@code binaryFile} source lists them). */
    public Dataset<Row> describe(SparkSession spark, String... inputs) {
        Dataset<Row> paths = SparkJobs.listFiles(spark, inputs);
        int n = partitions > 0 ? partitions : 4 * spark.sparkContext().defaultParallelism();
        return describe(paths.repartition(n), "path");
    }

    /** Captions the images at the paths or URIs of a string column; the executors read the files. */
    public Dataset<Row> describe(Dataset<Row> input, String pathColumn) {
        return describe(input, pathColumn, null);
    }

    /**
     * Captions the encoded images (JPEG, PNG, ...) of a binary column, naming each by a string column (null
     * {@code contentColumn}: read the files at the paths).
     */
    public Dataset<Row> describe(Dataset<Row> input, String pathColumn, String contentColumn) {
        SparkSession spark = input.sparkSession();
        Dataset<Row> in = contentColumn == null ? input.select(pathColumn) : input.select(pathColumn, contentColumn);
        ModelRef ref = model == null ? ModelRef.pretrained() : ModelRef.shipped(spark, model);
        Task task = new Task(ref, beamSize, maxLength, batchSize, attention,
                contentColumn == null ? ImageFiles.of(spark) : null);
        return spark.createDataFrame(in.javaRDD().mapPartitions(task), SCHEMA);
    }

    /** The work of one partition: rows of (path[, bytes]) to rows of {@link #SCHEMA}, a batch at a time. */
    static final class Task implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final ModelRef model;
        private final Integer beamSize, maxLength;
        private final int batchSize;
        private final boolean attention;
        /** Reads the files at the paths; null when the rows carry the bytes. */
        private final ImageFiles files;

        Task(ModelRef model, Integer beamSize, Integer maxLength, int batchSize, boolean attention, ImageFiles files) {
            this.model = model;
            this.beamSize = beamSize;
            this.maxLength = maxLength;
            this.batchSize = batchSize;
            this.attention = attention;
            this.files = files;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            CaptionModel m = ExecutorModels.get(model);
            DecodeOptions d = m.defaultOptions();
            DecodeOptions o = (beamSize == null ? d : DecodeOptions.beamOrGreedy(beamSize))
                    .withMaxLength(maxLength != null ? maxLength : d.maxLength);
            ImageLoader loader = new ImageLoader();
            return Batches.map(rows, batchSize, batch -> describeBatch(m, o, loader, batch));
        }

        private List<Row> describeBatch(CaptionModel m, DecodeOptions o, ImageLoader loader, List<Row> batch) {
            Row[] out = new Row[batch.size()];
            List<BufferedImage> images = new ArrayList<>();
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                String path = batch.get(i).getString(0);
                try {
                    byte[] bytes = files == null ? (byte[]) batch.get(i).get(1) : files.read(path);
                    if (bytes == null) {
                        throw new CaptionException(path + ": no image bytes (null)");
                    }
                    images.add(loader.read(bytes, path));
                    at.add(i);
                } catch (CaptionException e) {
                    out[i] = error(path, e.getMessage());
                } catch (IOException | RuntimeException e) {
                    out[i] = error(path, path + ": cannot read the file (" + e + ")");
                }
            }
            if (!images.isEmpty()) {
                List<Caption> captions;
                try {
                    captions = m.describeAll(images, o);
                } catch (RuntimeException e) {
                    captions = null;                 // one image spoils the batch: caption them one by one
                }
                for (int j = 0; j < images.size(); j++) {
                    String path = batch.get(at.get(j)).getString(0);
                    try {
                        Caption c = captions != null ? captions.get(j) : m.describe(images.get(j), o);
                        out[at.get(j)] = row(path, c);
                    } catch (RuntimeException e) {
                        out[at.get(j)] = error(path, path + ": captioning failed (" + e.getMessage() + ")");
                    }
                }
            }
            return Arrays.asList(out);
        }

        private Row row(String path, Caption c) {
            float[][] maps = null;
            if (attention) {
                maps = new float[c.tokens().size()][];
                for (int w = 0; w < maps.length; w++) {
                    float[][] grid = c.attention(w);                                     // [gridHeight][gridWidth]
                    maps[w] = new float[c.gridHeight() * c.gridWidth()];
                    for (int y = 0; y < grid.length; y++) {
                        System.arraycopy(grid[y], 0, maps[w], y * c.gridWidth(), c.gridWidth());
                    }
                }
            }
            return RowFactory.create(path, c.text(), c.tokens().toArray(new String[0]), c.logProb(), maps,
                    c.gridHeight(), c.gridWidth(), null);
        }

        private static Row error(String path, String message) {
            return RowFactory.create(path, null, null, null, null, null, null, message);
        }
    }
}
