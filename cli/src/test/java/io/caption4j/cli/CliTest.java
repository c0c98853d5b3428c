package io.caption4j.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

import io.caption4j.cli.serve.CaptionServerTest;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.train.TrainConfig;
import io.caption4j.zoo.NsfwjsPackage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CliTest {
    @TempDir
    Path tmp;

    /** Runs the command line in-process; returns exit code, stdout and stderr. */
    static String[] run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Caption4j.run(args);
            return new String[]{String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void helpListsEveryOptionOfEveryCommand() {
        CommandLine cli = new CommandLine(new Caption4j());
        assertTrue(cli.getSubcommands().keySet().containsAll(List.of("features", "train", "evaluate")));
        for (var entry : cli.getSubcommands().entrySet()) {
            String[] r = run(entry.getKey(), "--help");
            assertEquals("0", r[0]);
            for (CommandLine.Model.OptionSpec o : entry.getValue().getCommandSpec().options()) {
                assertTrue(r[1].contains(o.longestName()), entry.getKey() + " --help lacks " + o.longestName());
                assertFalse(o.description().length == 0 && !o.usageHelp() && !o.versionHelp(),
                        entry.getKey() + " " + o.longestName() + " has no description");
            }
        }
    }

    @Test
    void badInputGivesOneLineErrors() {
        String[] r = run("evaluate", "--model", tmp.resolve("none.zip").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("error: No checkpoint"), r[2]);
        assertFalse(r[2].contains("\tat "), "no stack trace");
        r = run("train", "--epochs", "0", "--out", tmp.resolve("x").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("epochs must be >= 1"), r[2]);
        r = run("train", "--layer", "MIXED99");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("MIXED99"), r[2]);
    }

    @Test
    void trainingDefaultsComeFromTrainConfig() throws Exception {
        TrainConfig defaults = new TrainConfig();
        TrainCommand plain = new TrainCommand();
        new CommandLine(plain).parseArgs();
        assertEquals(defaults.toJson(), plain.config().toJson(), "no options: exactly the TrainConfig defaults");
        String help = run("train", "--help")[1];
        assertTrue(help.contains("Epochs (default: " + defaults.epochs + ")"), help);
        assertTrue(help.contains("(default: " + defaults.learningRate + ")"), help);
        assertTrue(help.contains("(default: " + defaults.data + ")"), help);

        TrainConfig saved = new TrainConfig();
        saved.epochs = 7;
        saved.hiddenSize = 64;
        saved.pool = 1;
        Path file = Files.writeString(tmp.resolve("config.json"), saved.toJson());
        TrainCommand overlay = new TrainCommand();
        new CommandLine(overlay).parseArgs("--config", file.toString(), "--epochs", "3");
        TrainConfig c = overlay.config();
        assertEquals(3, c.epochs, "an option given overrides the file");
        assertEquals(64, c.hiddenSize, "an option not given keeps the file's value");
        assertEquals(1, c.pool);
    }

    private Path toyData(int n) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data"));
        StringBuilder csv = new StringBuilder("image,caption\n");
        Color[] colors = {Color.RED, Color.GREEN, Color.BLUE};
        String[] names = {"red", "green", "blue"};
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 64, 64);
            g.setColor(colors[i % 3]);
            g.fillOval(8 + i, 8, 40, 40);
            g.dispose();
            ImageIO.write(img, "png", dir.resolve("p" + i + ".png").toFile());
            csv.append("p").append(i).append(".png,a ").append(names[i % 3]).append(" ball on white\n");
        }
        Path file = dir.resolve("captions.csv");
        Files.writeString(file, csv);
        return file;
    }

    @Test
    void trainEvaluateAndResumeEndToEnd() throws Exception {
        assumeTrue(Files.isRegularFile(NsfwjsPackage.tarball()), "nsfwjs@4.4.0 is not in the cache: skipping the CLI run");
        Path csv = toyData(6);
        String cache = tmp.resolve("cache").toString(), out = tmp.resolve("run").toString();
        String[] r = run("train", "--dataset", "file", "--data", csv.toString(), "--dev-data", csv.toString(), "--cache", cache,
                "--out", out, "--epochs", "2", "--batch-size", "3", "--hidden-size", "8", "--attention-size", "8",
                "--projection-size", "8", "--embedding-size", "8", "--min-count", "1", "--pool", "4", "--no-progress");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("Finished after 2 epochs, 4 steps"), r[1]);
        assertTrue(r[2].contains("epoch 2: train loss"), r[2]);
        assertTrue(Files.isRegularFile(Path.of(out, "best.zip")));

        Path pred = tmp.resolve("pred.json");
        r = run("evaluate", "--model", out + "/checkpoint.zip", "--dataset", "file", "--data", csv.toString(),
                "--cache", cache, "--beam", "2", "--predictions", pred.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("| BLEU-1 | BLEU-2 | BLEU-3 | BLEU-4 | CIDEr-D | ROUGE-L |"), r[1]);
        JsonNode json = new ObjectMapper().readTree(pred.toFile());
        assertEquals(6, json.size());
        for (JsonNode n : json) {
            assertTrue(n.get("image_id").asText().startsWith("p"));
            assertTrue(n.has("caption"));
        }

        Path model = tmp.resolve("model.zip");
        r = run("export", "--checkpoint", out + "/best.zip", "--out", model.toString(), "--float16",
                "--no-repeat-ngram", "3", "--length-penalty", "0.5");
        assertEquals("0", r[0], r[2]);
        r = run("evaluate", "--model", model.toString(), "--dataset", "file", "--data", csv.toString(), "--cache", cache,
                "--predictions", tmp.resolve("pred2.json").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("BLEU-4"), r[1]);
        assertTrue(r[1].contains("length penalty 0.5, no repeated 3-gram"), "the model's decoding is used: " + r[1]);
        Path ensemble = tmp.resolve("ensemble.zip");
        r = run("export", "--checkpoint", out + "/best.zip", "--ensemble-member", out + "/checkpoint.zip", "--out",
                ensemble.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("2 members"), r[1]);
        r = run("evaluate", "--model", ensemble.toString(), "--dataset", "file", "--data", csv.toString(), "--cache", cache,
                "--predictions", tmp.resolve("pred3.json").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("ensemble of 2 decoders"), r[1]);
        r = run("export", "--checkpoint", out + "/best.zip", "--ensemble-member", tmp.resolve("none.zip").toString(), "--out",
                tmp.resolve("bad.zip").toString());
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].contains("none.zip") && r[2].strip().lines().count() == 1, r[2]);
        r = run("describe", "--model", model.toString(), "--json", "--attention", tmp.resolve("att.png").toString(),
                csv.getParent().resolve("p0.png").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(new ObjectMapper().readTree(r[1]).has("caption"), r[1]);
        assertTrue(ImageIO.read(tmp.resolve("att.png").toFile()).getWidth() > 224);
        assertEquals((byte) 0x89, Files.readAllBytes(tmp.resolve("att.png"))[0], "a PNG for a .png name");
        r = run("describe", "--model", model.toString(), "--attention", tmp.resolve("att.jpg").toString(),
                csv.getParent().resolve("p0.png").toString());
        assertEquals("0", r[0], r[2]);
        byte[] jpg = Files.readAllBytes(tmp.resolve("att.jpg"));
        assertTrue(jpg[0] == (byte) 0xFF && jpg[1] == (byte) 0xD8, "a JPEG for a .jpg name");
        r = run("describe", "--model", model.toString(), tmp.resolve("nope.jpg").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("nope.jpg"), r[2]);

        r = run("train", "--resume", "--out", out, "--cache", cache);
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("has finished"), r[2]);
    }

    @Test
    void serveListensOnTheLoopbackByDefaultAndRefusesAMissingKeyFileInOneLine() {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs();
        assertEquals("127.0.0.1", serve.host);
        String[] r = run("serve", "--port", "0", "--api-key-file", tmp.resolve("no-key.txt").toString());
        assertEquals("2", r[0]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].contains("no such API key file"), r[2]);
    }

    @Test
    void attentionOutputThatIsADirectoryOrInAMissingFolderIsRefusedInOneLine() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("dir.jpg"));
        String[] r = run("describe", "--attention", dir.toString(), tmp.resolve("photo.jpg").toString());
        assertEquals("2", r[0], r[2]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].contains("is a directory"), r[2]);
        assertTrue(Files.isDirectory(dir), "the directory is kept");
        r = run("describe", "--attention", tmp.resolve("missing/att.png").toString(), tmp.resolve("photo.jpg").toString());
        assertEquals("2", r[0], r[2]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].contains("does not exist"), r[2]);
    }

    @Test
    void describeErrorsAreOneLineWithExitCodeTwo() throws Exception {
        Path photo = tmp.resolve("photo.png");
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", photo.toFile());
        Path model = tmp.resolve("model.zip");
        try (CaptionModel m = CaptionServerTest.model(0)) {
            m.save(model);
        }
        String[] r = run("describe", "--model", model.toString(), "--beam", "1000", photo.toString());
        assertOneLineError(r, "--beam must be between 1 and 50");
        r = run("describe", "--model", model.toString(), "--no-repeat-ngram", "-1", photo.toString());
        assertOneLineError(r, "--no-repeat-ngram must be >= 0");

        Path bomb = tmp.resolve("bomb.zip");                   // 64 MiB of zeros in 64 KB: refused, not read whole
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(bomb))) {
            zip.putNextEntry(new ZipEntry("model.json"));
            zip.write("{\"format\":\"caption4j-model/1\"}".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("params.bin"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                zip.write(zeros);
            }
        }
        r = run("describe", "--model", bomb.toString(), photo.toString());
        assertOneLineError(r, "bomb.zip is refused");

        Path nan = tmp.resolve("nan.zip");
        try (CaptionModel m = CaptionServerTest.model(0)) {
            m.network().params().putScalar(0, Float.NaN);
            m.save(nan);
        }
        r = run("describe", "--model", nan.toString(), photo.toString());
        assertOneLineError(r, "NaN or infinite");
    }

    static void assertOneLineError(String[] r, String what) {
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].startsWith("error: ") && r[2].contains(what), r[2]);
        assertEquals(1, r[2].strip().lines().count(), "one line: " + r[2]);
    }
}
