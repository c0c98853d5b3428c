package io.caption4j.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import io.caption4j.core.CaptionException;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.EncoderSpec;
import io.caption4j.core.image.FeatureCache;
import io.caption4j.core.image.FeaturePooling;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.core.internal.Float16;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.apache.spark.sql.functions.col;

/**
 * Encodes images on a Spark cluster as training needs them: InceptionV3 (an {@link EncoderSpec}) then k x k pooling,
 * the float16 grid {@code [regions, channels]} and pooled vector of each image, with the job shape of
 * {@link SparkCaptioner} (one encoder per executor JVM, batches within a partition, an error row per unreadable image).
 * The result is a table of {@link #SCHEMA} (to keep as Parquet on HDFS / S3), or the entries of the on-disk
 * {@link FeatureCache} that {@code caption4j train} reads ({@link #toCache}: every executor writes into a cache folder
 * they share with the trainer, e.g. the local disk in local mode or an NFS mount), so encoding COCO is spread over a
 * cluster and training then only reads features.
 */
public final class SparkFeatureExtractor implements Serializable {
    private static final long serialVersionUID = 1L;
    /** One row per image; spatial and pooled are little-endian float16, spatial row-major [regions, channels]. */
    public static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("size", DataTypes.LongType, true)
            .add("grid_height", DataTypes.IntegerType, true)
            .add("grid_width", DataTypes.IntegerType, true)
            .add("channels", DataTypes.IntegerType, true)
            .add("spatial", DataTypes.BinaryType, true)
            .add("pooled", DataTypes.BinaryType, true)
            .add("error", DataTypes.StringType, true);

    private final String encoder;
    private final int pool, batchSize, partitions;

    private SparkFeatureExtractor(Builder b) {
        this.encoder = b.encoder;
        this.pool = b.pool;
        this.batchSize = b.batchSize;
        this.partitions = b.partitions;
    }

    /** A builder; the defaults are those of {@code caption4j train} (nsfwjs:MIXED5, pool 2). */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings of a {@link SparkFeatureExtractor}. */
    public static final class Builder {
        private String encoder = "nsfwjs:MIXED5";
        private int pool = 2, batchSize = 8, partitions;

        /** The encoder spec, {@code ENCODER:LAYER} (default nsfwjs:MIXED5, what train uses by default). */
        public Builder optEncoder(String spec) {
            this.encoder = spec;
            return this;
        }

        /** k of the k x k average pooling of the grid (default 2). */
        public Builder optPool(int k) {
            this.pool = k;
            return this;
        }

        /** Images per encoder batch within a partition (default 8). */
        public Builder optBatchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /** Partitions of a listed input (default: 4 per core of the cluster). */
        public Builder optPartitions(int n) {
            this.partitions = n;
            return this;
        }

        /** The extractor; a CaptionException names a bad setting. */
        public SparkFeatureExtractor build() {
            EncoderSpec.parse(encoder);
            if (pool < 1 || batchSize < 1 || partitions < 0) {
                throw new CaptionException("pool and batch size must be >= 1, partitions >= 0 (got " + pool + ", " + batchSize
                        + ", " + partitions + ")");
            }
            return new SparkFeatureExtractor(this);
        }
    }

    /** The features of the image files of folders, globs or files. */
    public Dataset<Row> encode(SparkSession spark, String... inputs) {
        Dataset<Row> paths = SparkJobs.listFiles(spark, inputs);
        int n = partitions > 0 ? partitions : 4 * spark.sparkContext().defaultParallelism();
        return encode(paths.repartition(n), "path");
    }

    /** The features of the images at the paths of a string column (read by the executors). */
    public Dataset<Row> encode(Dataset<Row> input, String pathColumn) {
        Task task = new Task(encoder, pool, batchSize, ImageFiles.of(input.sparkSession()));
        return input.sparkSession().createDataFrame(input.select(pathColumn).javaRDD().mapPartitions(task), SCHEMA);
    }

    /**
     * Writes the features of a table of {@link #SCHEMA} (fresh from {@link #encode} or read back from Parquet) into the
     * feature cache in {@code cacheDir} as {@code train} keys it (the image's absolute local path and size, the
     * encoder's identity and the pooling), on the executors; returns the table of path and error (an error for rows
     * that had one, and for paths that are not local files, which the cache cannot key).
     */
    public Dataset<Row> toCache(Dataset<Row> features, String cacheDir) {
        CacheWriter w = new CacheWriter(encoder, pool, cacheDir);
        StructType out = new StructType().add("path", DataTypes.StringType, false).add("error", DataTypes.StringType, true);
        return features.sparkSession().createDataFrame(features.select(col("path"), col("size"), col("grid_height"),
                col("grid_width"), col("channels"), col("spatial"), col("pooled"), col("error")).javaRDD().mapPartitions(w), out);
    }

    /** The float16 bytes of a tensor's values (little-endian), the cache's encoding. */
    static byte[] half(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Float16.fromFloat(v));
        }
        return b.array();
    }

    /** The values of float16 bytes. */
    public static float[] floats(byte[] half) {
        ByteBuffer b = ByteBuffer.wrap(half).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[half.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float16.toFloat(b.getShort());
        }
        return out;
    }

    /** The work of one partition: paths to rows of {@link #SCHEMA}, a batch at a time. */
    static final class Task implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final String encoder;
        private final int pool, batchSize;
        private final ImageFiles files;

        Task(String encoder, int pool, int batchSize, ImageFiles files) {
            this.encoder = encoder;
            this.pool = pool;
            this.batchSize = batchSize;
            this.files = files;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            ImageEncoder e = ExecutorEncoders.get(encoder);
            ImageLoader loader = new ImageLoader();
            return Batches.map(rows, batchSize, batch -> encodeBatch(e, loader, batch));
        }

        private List<Row> encodeBatch(ImageEncoder e, ImageLoader loader, List<Row> batch) {
            Row[] out = new Row[batch.size()];
            List<BufferedImage> images = new ArrayList<>();
            List<Integer> at = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                String path = batch.get(i).getString(0);
                try {
                    byte[] bytes = files.read(path);
                    images.add(loader.read(bytes, path));
                    sizes.add((long) bytes.length);
                    at.add(i);
                } catch (CaptionException ex) {
                    out[i] = error(path, ex.getMessage());
                } catch (IOException | RuntimeException ex) {
                    out[i] = error(path, path + ": cannot read the file (" + ex + ")");
                }
            }
            if (!images.isEmpty()) {
                List<EncodedImage> encoded;
                try {
                    encoded = FeaturePooling.encodeAll(e, images, pool);
                } catch (RuntimeException ex) {
                    encoded = null;                     // one image spoils the batch: encode them one by one
                }
                for (int j = 0; j < images.size(); j++) {
                    String path = batch.get(at.get(j)).getString(0);
                    try {
                        EncodedImage x = encoded != null ? encoded.get(j)
                                : FeaturePooling.encodeAll(e, List.of(images.get(j)), pool).get(0);
                        float[] spatial = x.spatial().castTo(DataType.FLOAT).dup('c').data().asFloat();  // [L, C]
                        float[] pooled = x.pooled().castTo(DataType.FLOAT).dup('c').data().asFloat();    // [P]
                        out[at.get(j)] = RowFactory.create(path, sizes.get(j), x.gridHeight(), x.gridWidth(),
                                (int) x.channels(), half(spatial), half(pooled), null);
                    } catch (RuntimeException ex) {
                        out[at.get(j)] = error(path, path + ": encoding failed (" + ex.getMessage() + ")");
                    }
                }
            }
            return Arrays.asList(out);
        }

        private static Row error(String path, String message) {
            return RowFactory.create(path, null, null, null, null, null, null, message);
        }
    }

    /** Writes a partition's feature rows into the feature cache; emits (path, error). */
    static final class CacheWriter implements FlatMapFunction<Iterator<Row>, Row> {
        private static final long serialVersionUID = 1L;
        private final String encoder, cacheDir;
        private final int pool;

        CacheWriter(String encoder, int pool, String cacheDir) {
            this.encoder = encoder;
            this.pool = pool;
            this.cacheDir = cacheDir;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) throws IOException {
            FeatureCache cache = new FeatureCache(Path.of(cacheDir), FeatureSource.cacheKey(ExecutorEncoders.get(encoder), pool));
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row r = rows.next();
                String path = r.getString(0);
                if (!r.isNullAt(7)) {
                    out.add(RowFactory.create(path, r.getString(7)));
                    continue;
                }
                try {
                    int h = r.getInt(2), w = r.getInt(3), c = r.getInt(4);
                    float[] spatial = floats((byte[]) r.get(5)), pooled = floats((byte[]) r.get(6));
                    EncodedImage x = new EncodedImage(Nd4j.create(spatial, new long[]{(long) h * w, c}, DataType.FLOAT),
                            Nd4j.create(pooled, new long[]{pooled.length}, DataType.FLOAT), h, w);
                    cache.put(cacheKey(path, r.getLong(1)), x);
                    out.add(RowFactory.create(path, null));
                } catch (RuntimeException ex) {
                    out.add(RowFactory.create(path, path + ": cannot write its cache entry (" + ex.getMessage() + ")"));
                }
            }
            return out.iterator();
        }
    }

    /**
     * The feature cache's key of an image as training computes it ({@code FeatureSource}): its absolute, normalised local
     * path and its size in bytes; only local files ({@code file:} URIs or plain paths) have one.
     */
    static String cacheKey(String pathOrUri, long size) {
        Path p;
        if (pathOrUri.startsWith("file:")) {
            p = Path.of(URI.create(pathOrUri));
        } else if (pathOrUri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            throw new CaptionException("the feature cache keys local files; " + pathOrUri + " is not one (keep a Parquet "
                    + "table on a cluster, and import it where the images are local)");
        } else {
            p = Path.of(pathOrUri);
        }
        return p.toAbsolutePath().normalize() + "#" + size;
    }
}
