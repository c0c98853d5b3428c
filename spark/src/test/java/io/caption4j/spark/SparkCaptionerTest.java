package io.caption4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.zoo.NsfwjsPackage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Spark batch captioner in local[2] on five sample photos of ../shared/data/images plus a corrupt JPEG: every photo
 * gets the caption, tokens and log-probability {@link CaptionModel#describe} gives it with the same decoding (beam 2,
 * and the model's default), the corrupt file an error and no caption, in Parquet and in JSON lines, from a glob and a
 * folder, a DataFrame of bytes and one of path strings, with the built-in model and a model file shipped to the
 * executors.
 */
class SparkCaptionerTest {
    static final DecodeOptions BEAM_2 = DecodeOptions.beamOrGreedy(2).withMaxLength(20);
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path photos, bad;
    static Map<String, Caption> expected = new HashMap<>();
    /** path -> describe's caption with the model's default decoding (its own beam and length) */
    static Map<String, Caption> expectedDefault = new HashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        Path shared = LocalSpark.data("images");
        assumeTrue(Files.isDirectory(shared), "../shared/data/images is absent: skipping the Spark captioning test");
        assumeTrue(Files.isRegularFile(NsfwjsPackage.tarball()), "nsfwjs@4.4.0 is not in the cache: skipping");
        photos = Files.createDirectories(tmp.resolve("photos"));
        for (String name : new String[]{"chelsea.png", "coffee.png", "owl.jpg", "grace_hopper.bmp", "rocket.jpg"}) {
            Files.copy(shared.resolve(name), photos.resolve(name));                  // PNG, JPEG and BMP
        }
        Path badDir = Files.createDirectories(tmp.resolve("bad"));
        byte[] jpeg = Files.readAllBytes(shared.resolve("owl.jpg"));
        bad = Files.write(badDir.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 3));
        ImageLoader loader = new ImageLoader();
        try (CaptionModel model = CaptionModel.pretrained(); Stream<Path> files = Files.list(photos)) {
            for (Path p : files.sorted().toList()) {
                expected.put(p.toUri().getPath(), model.describe(loader.read(p), BEAM_2));
                expectedDefault.put(p.toUri().getPath(), model.describe(loader.read(p)));
            }
        }
        spark = LocalSpark.session();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static String localPath(String uri) {
        return Path.of(java.net.URI.create(uri)).toUri().getPath();
    }

    private static void checkRows(List<Row> rows, boolean attention) {
        assertEquals(expected.size() + 1, rows.size(), "one row per file");
        int seen = 0;
        for (Row r : rows) {
            String path = localPath(r.getString(r.fieldIndex("path")));
            if (path.endsWith("truncated.jpg")) {
                assertNull(r.get(r.fieldIndex("caption")));
                assertNull(r.get(r.fieldIndex("tokens")));
                String error = r.getString(r.fieldIndex("error"));
                assertTrue(error.contains("truncated.jpg") && error.contains("truncated or corrupt"), error);
                continue;
            }
            Caption c = expected.get(path);
            assertNotNull(c, "an unexpected row " + path);
            assertNull(r.get(r.fieldIndex("error")), path);
            assertEquals(c.text(), r.getString(r.fieldIndex("caption")), path);
            assertEquals(c.tokens(), r.getList(r.fieldIndex("tokens")), path);
            assertEquals(c.logProb(), r.getDouble(r.fieldIndex("logprob")), 1e-3, path);
            assertEquals(c.gridHeight(), r.getInt(r.fieldIndex("grid_height")));
            if (attention) {
                List<scala.collection.Seq<Float>> maps = r.getList(r.fieldIndex("attention"));
                assertEquals(c.tokens().size(), maps.size());
                List<Float> map0 = scala.collection.JavaConverters.seqAsJavaList(maps.get(0));
                assertEquals(c.gridHeight() * c.gridWidth(), map0.size());
                assertEquals(c.attention(0)[0][1], map0.get(1), 1e-4);
                assertEquals(1.0, map0.stream().mapToDouble(Float::doubleValue).sum(), 1e-3);
            } else {
                assertTrue(r.isNullAt(r.fieldIndex("attention")));
            }
            seen++;
        }
        assertEquals(expected.size(), seen);
    }

    @Test
    void captionsAFolderAsDescribeDoesAndRecordsTheCorruptFile() {
        int modelsBefore = ExecutorModels.loaded();
        SparkCaptioner captioner = SparkCaptioner.builder().optBeamSize(2).optMaxLength(20).optBatchSize(4)
                .optAttention(true).build();
        // a glob (Hadoop's, as the binaryFile source takes it) and a folder
        Dataset<Row> captions = captioner.describe(spark, photos.resolve("*.{jpg,png,bmp}").toString(),
                bad.getParent().toString());
        String out = tmp.resolve("captions.parquet").toString();
        SparkJobs.Summary s = SparkJobs.write(captions, out, SparkJobs.Format.PARQUET, false);
        assertEquals(expected.size(), s.done());
        assertEquals(1, s.failed());
        checkRows(spark.read().parquet(out).collectAsList(), true);
        CaptionException again = assertThrows(CaptionException.class,
                () -> SparkJobs.write(captions, out, SparkJobs.Format.PARQUET, false));
        assertTrue(again.getMessage().contains("--overwrite"), again.getMessage());
        assertTrue(ExecutorModels.loaded() - modelsBefore <= 1, "one model per executor JVM, shared by its tasks");
    }

    @Test
    void captionsADataFrameOfBytesIntoJsonLines() throws Exception {
        Dataset<Row> files = spark.read().format("binaryFile").load(photos.toString(), bad.toString())
                .select("path", "content").repartition(3);
        SparkCaptioner captioner = SparkCaptioner.builder().optBeamSize(2).optMaxLength(20).build();
        String out = tmp.resolve("captions.json").toString();
        SparkJobs.Summary s = SparkJobs.write(captioner.describe(files, "path", "content"), out, SparkJobs.Format.JSON, false);
        assertEquals(expected.size(), s.done());
        assertEquals(1, s.failed());
        List<Row> rows = spark.read().schema(SparkCaptioner.SCHEMA).json(out).collectAsList();
        checkRows(rows, false);
        List<String> lines = new ArrayList<>();
        try (Stream<Path> parts = Files.list(Path.of(out))) {
            for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                lines.addAll(Files.readAllLines(p));
            }
        }
        assertEquals(expected.size() + 1, lines.size(), "JSON lines: one object per image");
        assertTrue(lines.get(0).startsWith("{\"path\":"), lines.get(0));
    }

    @Test
    void aModelFileShippedToTheExecutorsCaptionsADataFrameOfPathsAsDescribeWithTheModelsDecoding() throws Exception {
        Path file = tmp.resolve("model.zip");
        try (CaptionModel m = CaptionModel.pretrained()) {
            m.save(file);
        }
        List<String> paths;
        try (Stream<Path> files = Files.list(photos)) {
            paths = files.map(p -> p.toAbsolutePath().toString()).sorted().toList();        // plain paths, not URIs
        }
        Dataset<Row> table = spark.createDataset(paths, Encoders.STRING()).toDF("path").repartition(2);
        SparkCaptioner captioner = SparkCaptioner.builder().optModel(file.toString()).build();    // the model's decoding
        List<Row> rows = captioner.describe(table, "path").collectAsList();
        assertEquals(expectedDefault.size(), rows.size());
        for (Row r : rows) {
            String path = r.getString(0);
            Caption c = expectedDefault.get(path);
            assertNotNull(c, path);
            assertNull(r.get(r.fieldIndex("error")), path);
            assertEquals(c.text(), r.getString(r.fieldIndex("caption")), path);
            assertEquals(c.tokens(), r.getList(r.fieldIndex("tokens")), path);
            assertEquals(c.logProb(), r.getDouble(r.fieldIndex("logprob")), 1e-3, path);
        }
    }

    @Test
    void aMissingInputIsOneClearError() {
        SparkCaptioner captioner = SparkCaptioner.builder().build();
        CaptionException e = assertThrows(CaptionException.class,
                () -> captioner.describe(spark, tmp.resolve("no-such-folder").toString()));
        assertTrue(e.getMessage().contains("no-such-folder"), e.getMessage());
    }
}
