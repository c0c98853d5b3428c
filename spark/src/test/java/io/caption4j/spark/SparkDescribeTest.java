package io.caption4j.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** spark-describe writes one row per file and ends with the done/failed count; bad input is one line and exit 2. */
class SparkDescribeTest {
    @TempDir
    static Path tmp;
    static Path input;

    @BeforeAll
    static void photos() throws IOException {
        TestPhotos.assumeAvailable();
        input = tmp.resolve("photos");
        TestPhotos.copyInto(input);
    }

    @Test
    void writesJsonLinesAndCountsDoneAndFailed() throws IOException {
        Path out = tmp.resolve("captions");
        String[] r = run("--input", input.toString(), "--output", out.toString(), "--master", "local[2]",
                "--format", "json", "--beam", "1", "--batch", "4");
        assertEquals("0", r[0], r[2]);
        assertTrue(lastLine(r[1]).matches("done 5, failed 1, [0-9.]+ seconds"), r[1]);
        List<String> rows = new ArrayList<>();
        try (Stream<Path> parts = Files.list(out)) {
            for (Path p : parts.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                rows.addAll(Files.readAllLines(p));
            }
        }
        assertEquals(6, rows.size(), rows.toString());
        String broken = rows.stream().filter(l -> l.contains(TestPhotos.BROKEN)).findFirst().orElseThrow();
        assertTrue(broken.contains("\"error\"") && !broken.contains("\"caption\""), broken);
        assertEquals(5, rows.stream().filter(l -> l.contains("\"caption\"") && l.contains("\"tokens\"")).count());
    }

    @Test
    void aMissingInputOrABadFormatIsOneLineAndExitCode2() {
        String[] missing = run("--input", tmp.resolve("nothing-here").toString(), "--output", tmp.resolve("o").toString(),
                "--master", "local[1]");
        assertEquals("2", missing[0]);
        String last = lastLine(missing[2]);   // Spark's start-up warnings may come before it
        assertTrue(last.startsWith("error: [PATH_NOT_FOUND]") && last.contains("nothing-here"), missing[2]);
        assertFalse(missing[2].contains("\tat "), missing[2]);
        String[] format = run("--input", input.toString(), "--output", tmp.resolve("o").toString(), "--format", "xml");
        assertEquals("2", format[0]);
        assertEquals("error: --format must be parquet or json, got xml", lastLine(format[2]));
    }

    static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** exit code, stdout, stderr */
    static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = SparkDescribe.run(args);
            return new String[] {String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
