package io.caption4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.image.ImageLoader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Spark's captions (local[2], batched per partition) are the captions of describe, and a bad image is an error row. */
class SparkCaptionerTest {
    static final String BROKEN = TestPhotos.BROKEN;

    @TempDir
    static Path tmp;
    static Path input;
    static SparkSession spark;
    static CaptionModel reference;
    /** file name -> describe's caption of that photo on one JVM, without Spark */
    static final Map<String, Caption> expected = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        TestPhotos.assumeAvailable();
        input = tmp.resolve("photos");
        List<Path> photos = TestPhotos.copyInto(input);
        reference = CaptionModel.pretrained();
        ImageLoader loader = new ImageLoader();
        for (Path p : photos) {
            expected.put(p.getFileName().toString(), reference.describe(loader.read(p)));
        }
        spark = SparkSession.builder().master("local[2]").appName("SparkCaptionerTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (reference != null) {
            reference.close();
        }
    }

    @Test
    void captionsOfAFolderEqualDescribeAndTheBrokenFileIsAnError() {
        SparkCaptioner captioner = SparkCaptioner.builder().optBatchSize(2).build();
        // two partitions, so both task threads of local[2] share the executor's model
        List<Row> rows = captioner.describe(spark.read().format("binaryFile").load(input.toString()).repartition(2))
                .collectAsList();
        assertEquals(expected.size() + 1, rows.size());
        assertCaptions(rows);
        assertEquals(1, ExecutorModels.loaded(), "one model per executor JVM, whatever the tasks");
    }

    @Test
    void aDataFrameOfPathsGivesTheSameCaptionsWrittenAsParquetAndJsonLines() {
        List<String> paths;
        try (Stream<Path> files = Files.list(input)) {
            paths = files.map(p -> p.toUri().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        Dataset<Row> pathsOnly = spark.createDataset(paths, Encoders.STRING()).toDF("path");
        SparkCaptioner captioner = SparkCaptioner.builder().build();
        Dataset<Row> captions = captioner.describe(pathsOnly);
        String parquet = tmp.resolve("out.parquet").toString();
        String json = tmp.resolve("out.json").toString();
        SparkCaptioner.write(captions, parquet, SparkCaptioner.Format.PARQUET);
        SparkCaptioner.write(captions, json, SparkCaptioner.Format.JSON);
        assertCaptions(spark.read().parquet(parquet).collectAsList());
        Dataset<Row> lines = spark.read().schema(SparkCaptioner.SCHEMA).json(json);
        assertCaptions(lines.collectAsList());
        assertEquals(1, lines.filter("error is not null").count());
    }

    @Test
    void aBeamOptionIsTheSameAsDescribeWithThatBeam() {
        SparkCaptioner greedy = SparkCaptioner.builder().optBeamSize(1).build();
        List<Row> rows = greedy.describeFiles(spark, input.resolve("*.jpg").toString()).collectAsList();
        ImageLoader loader = new ImageLoader();
        for (Row r : rows) {
            if (!r.getString(0).endsWith(BROKEN)) {
                Path p = input.resolve(name(r));
                var options = io.caption4j.core.decode.DecodeOptions.greedy()
                        .withMaxLength(reference.defaultOptions().maxLength);
                assertEquals(reference.describe(loader.read(p), options).text(), r.getAs("caption"), name(r));
            }
        }
        assertTrue(rows.size() >= 2, "the glob matches the jpg photos and the broken file");
    }

    /** Every row: the photo's caption, tokens and log-probability as describe gives them, or the broken file's error. */
    static void assertCaptions(List<Row> rows) {
        Map<String, Row> byName = rows.stream().collect(Collectors.toMap(SparkCaptionerTest::name, r -> r));
        assertEquals(expected.keySet().stream().sorted().toList(),
                byName.keySet().stream().filter(n -> !n.equals(BROKEN)).sorted().toList());
        for (Map.Entry<String, Caption> e : expected.entrySet()) {
            Row r = byName.get(e.getKey());
            assertNull(r.getAs("error"), e.getKey());
            assertEquals(e.getValue().text(), r.getAs("caption"), e.getKey());
            assertEquals(e.getValue().tokens(), r.getList(r.fieldIndex("tokens")), e.getKey());
            assertEquals(e.getValue().logProb(), (double) r.getAs("logProb"), 1e-4, e.getKey());
        }
        Row broken = byName.get(BROKEN);
        assertNotNull(broken, "the broken file has a row");
        assertNull(broken.getAs("caption"));
        assertNull(broken.getAs("tokens"));
        String error = broken.getAs("error");
        assertNotNull(error);
        assertTrue(error.contains(BROKEN), error);
    }

    static String name(Row r) {
        String path = r.getAs("path");
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
