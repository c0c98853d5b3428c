package io.caption4j.spark;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.caption4j.zoo.NsfwjsPackage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Spark command line: spark-describe's JSON lines, closing line and exit code; spark-train stops and resumes; bad
 * input (a missing folder, a missing option, a bad format, --scst on Spark) is an error line and exit code 2.
 */
class SparkMainTest {
    @TempDir
    Path tmp;

    private static String[] run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            code = SparkMain.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[]{String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void describesAFolderIntoJsonLinesAndEndsWithTheCounts() throws Exception {
        Path photos = LocalSpark.data("images");
        assumeTrue(Files.isDirectory(photos) && Files.isRegularFile(NsfwjsPackage.tarball()), "no photos or encoder weights");
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.copy(photos.resolve("chelsea.png"), in.resolve("chelsea.png"));
        Files.writeString(in.resolve("notes.txt"), "not an image");
        String out = tmp.resolve("out").toString();
        String[] r = run("spark-describe", "--input", in.toString(), "--output", out, "--master", "local[2]", "--beam", "1",
                "--batch", "4", "--format", "json");
        assertEquals("1", r[0], "a failed image makes the exit code 1: " + r[2]);
        assertTrue(r[1].contains(out + ": done 1, failed 1, "), r[1]);
        List<String> lines = new ArrayList<>();
        try (Stream<Path> parts = Files.list(Path.of(out))) {
            for (Path p : parts.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                lines.addAll(Files.readAllLines(p));
            }
        }
        assertEquals(2, lines.size(), "JSON lines, one object per file: " + lines);
        String bad = lines.stream().filter(l -> l.contains("notes.txt")).findFirst().orElseThrow();
        assertTrue(bad.contains("\"error\"") && !bad.contains("\"caption\""), bad);
        String good = lines.stream().filter(l -> l.contains("chelsea.png")).findFirst().orElseThrow();
        assertTrue(good.contains("\"caption\"") && good.contains("\"tokens\"") && !good.contains("\"error\""), good);
        r = run("spark-describe", "--input", in.toString(), "--output", out, "--master", "local[2]");
        assertEquals("2", r[0]);
        assertTrue(r[2].startsWith("error: " + out + " exists"), r[2]);
    }

    @Test
    void trainSparkStopsAndResumes() throws Exception {
        Path flickr = LocalSpark.data("flickr8k");
        assumeTrue(Files.isDirectory(flickr) && Files.isRegularFile(NsfwjsPackage.tarball()), "no Flickr8k or encoder weights");
        io.caption4j.core.train.TrainConfig c = new io.caption4j.core.train.TrainConfig();
        c.projectionSize = c.hiddenSize = c.attentionSize = c.outputHiddenSize = 32;
        c.embeddingSize = 16;
        c.minCount = 1;
        c.validationImages = 1;
        Path config = Files.writeString(tmp.resolve("config.json"), c.toJson());
        String out = tmp.resolve("run").toString(), cache = tmp.resolve("cache").toString();
        String[] r = run("spark-train", "--data", flickr.toString(), "--limit-images", "4", "--epochs", "1", "--batch-size", "4",
                "--config", config.toString(), "--out", out, "--cache", cache, "--master", "local[2]", "--workers", "2",
                "--averaging-frequency", "1", "--max-steps", "2");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("Encoding 5 images missing from the feature cache"), r[2]);
        assertTrue(r[1].contains("Stopped at epoch 1, step 2; continue with --resume"), r[1]);
        r = run("spark-train", "--out", out, "--cache", cache, "--master", "local[2]", "--workers", "2", "--averaging-frequency",
                "1", "--resume");
        assertEquals("0", r[0], r[2]);
        assertFalse(r[2].contains("Encoding"), "the features are cached: " + r[2]);
        assertTrue(r[1].contains("Finished after 1 epochs, 5 steps"), r[1]);
    }

    @Test
    void badInputIsOneLineAndExitCode2() {
        String[] r = run("spark-describe", "--input", tmp.resolve("nothing-here").toString(), "--output",
                tmp.resolve("o").toString(), "--master", "local[1]");
        assertEquals("2", r[0]);
        assertTrue(r[2].startsWith("error: Cannot list the input") && r[2].contains("nothing-here"), r[2]);
        assertFalse(r[2].contains("\tat "), "no stack trace: " + r[2]);
        r = run("spark-describe", "--input", "x");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("Missing required option: '--output=PATH'"), r[2]);
        r = run("spark-describe", "--input", "x", "--output", tmp.resolve("o").toString(), "--format", "xml");
        assertEquals("2", r[0]);
        String first = r[2].lines().findFirst().orElse("");
        assertTrue(first.startsWith("Invalid value for option '--format'") && first.contains("'xml'"), r[2]);
        assertFalse(r[2].contains("\tat "), "no stack trace: " + r[2]);
        // caption4j train --spark --scst (the launcher's spark-train): refused before any Spark job, with the reason
        r = run("spark-train", "--scst", "--init-from", tmp.resolve("best.zip").toString(),
                "--out", tmp.resolve("t").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].startsWith("error: Self-critical training (--scst) does not run on Spark"), r[2]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
    }
}
