package io.caption4j.spark;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.caption4j.core.ProgressListener;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.FeatureCache;
import io.caption4j.core.image.FeaturePooling;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.zoo.InceptionEncoders;
import io.caption4j.zoo.NsfwjsPackage;
import io.caption4j.zoo.TrainingRun;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Distributed feature extraction in local[2]: the float16 grid and pooled vector of each photo equal what the encoder
 * and pooling give in one JVM (to float16 precision), in the Parquet table and in the feature cache it fills, which
 * training then reads without encoding anything; a corrupt file gets an error row.
 */
class SparkFeatureExtractorTest {
    static final String SPEC = "nsfwjs:MIXED5";
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static List<Path> images = new ArrayList<>();
    static Path bad;
    static Map<Path, EncodedImage> expected = new HashMap<>();
    static ImageEncoder encoder;

    @BeforeAll
    static void setUp() throws Exception {
        Path photos = LocalSpark.data("images");
        assumeTrue(Files.isDirectory(photos), "../shared/data/images is absent: skipping the Spark features test");
        assumeTrue(Files.isRegularFile(NsfwjsPackage.tarball()), "nsfwjs@4.4.0 is not in the cache: skipping");
        Path dir = Files.createDirectories(tmp.resolve("in"));
        for (String name : new String[]{"chelsea.png", "coffee.png", "owl.jpg"}) {
            images.add(Files.copy(photos.resolve(name), dir.resolve(name)));
        }
        byte[] jpeg = Files.readAllBytes(photos.resolve("owl.jpg"));
        bad = Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 3));
        encoder = InceptionEncoders.of(SPEC);
        ImageLoader loader = new ImageLoader();
        for (Path p : images) {
            BufferedImage img = loader.read(p);
            expected.put(p.toAbsolutePath().normalize(), FeaturePooling.encodeAll(encoder, List.of(img), 2).get(0));
        }
        spark = LocalSpark.session();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static void assertClose(EncodedImage want, float[] spatial, float[] pooled, String what) {
        float[] ws = want.spatial().castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] wp = want.pooled().castTo(DataType.FLOAT).dup('c').data().asFloat();
        assertEquals(ws.length, spatial.length, what);
        assertEquals(wp.length, pooled.length, what);
        for (int i = 0; i < ws.length; i++) {
            assertEquals(ws[i], spatial[i], 1e-3 + 2e-3 * Math.abs(ws[i]), what + " spatial " + i);   // float16
        }
        for (int i = 0; i < wp.length; i++) {
            assertEquals(wp[i], pooled[i], 1e-3 + 2e-3 * Math.abs(wp[i]), what + " pooled " + i);
        }
    }

    @Test
    void featuresEqualTheSingleJvmEncodersInTheTableAndInTheCacheTrainReads() throws Exception {
        SparkFeatureExtractor x = SparkFeatureExtractor.builder().optEncoder(SPEC).optPool(2).optBatchSize(2).build();
        String table = tmp.resolve("features.parquet").toString();
        SparkJobs.Summary s = SparkJobs.write(x.encode(spark, tmp.resolve("in").toString()), table, SparkJobs.Format.PARQUET,
                false);
        assertEquals(3, s.done());
        assertEquals(1, s.failed());
        Dataset<Row> back = spark.read().parquet(table);
        for (Row r : back.collectAsList()) {
            Path p = Path.of(java.net.URI.create(r.getString(0)));
            if (p.endsWith("truncated.jpg")) {
                assertTrue(r.getString(r.fieldIndex("error")).contains("truncated or corrupt"));
                assertTrue(r.isNullAt(r.fieldIndex("spatial")));
                continue;
            }
            EncodedImage want = expected.get(p);
            assertEquals(want.gridHeight(), r.getInt(r.fieldIndex("grid_height")));
            assertEquals(want.channels(), r.getInt(r.fieldIndex("channels")));
            assertEquals(Files.size(p), r.getLong(r.fieldIndex("size")));
            assertClose(want, SparkFeatureExtractor.floats((byte[]) r.get(r.fieldIndex("spatial"))),
                    SparkFeatureExtractor.floats((byte[]) r.get(r.fieldIndex("pooled"))), p.toString());
        }

        Path cache = tmp.resolve("cache");
        SparkJobs.Summary imported = SparkJobs.count(x.toCache(back, cache.toString()));
        assertEquals(3, imported.done());
        assertEquals(1, imported.failed(), "the corrupt file's error carries over");
        List<CaptionDataset.Example> examples = new ArrayList<>();
        for (Path p : images) {
            examples.add(new CaptionDataset.Example(p.getFileName().toString(), p, List.of("a caption")));
        }
        FeatureSource train = TrainingRun.featureSource(encoder, 2, cache, 8);
        assertEquals(0, train.precompute(examples, "features", ProgressListener.NONE), "training finds every image cached");
        FeatureCache entries = new FeatureCache(cache, FeatureSource.cacheKey(encoder, 2));
        for (Path p : images) {
            EncodedImage got = entries.find(p.toAbsolutePath().normalize() + "#" + Files.size(p));
            assertNotNull(got, p.toString());
            assertClose(expected.get(p.toAbsolutePath().normalize()), got.spatial().data().asFloat(),
                    got.pooled().data().asFloat(), "cache " + p);
        }
    }

    @Test
    void aNonLocalPathHasNoCacheKey() {
        assertEquals("/a/b.jpg#3", SparkFeatureExtractor.cacheKey("file:/a/x/../b.jpg", 3));
        assertThrows(io.caption4j.core.CaptionException.class, () -> SparkFeatureExtractor.cacheKey("hdfs://nn/a.jpg", 3));
    }
}
