package io.caption4j.fuzz;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;

/**
 * Writes the fuzzers' seed inputs (a few hundred bytes to a few KB each) into the test resources: small images in
 * each supported format, a tiny model saved with {@link Readers.FuzzEncoder}, and one file of each data format. Run
 * from the repository root after {@code mvn -Pfuzz test-compile}: see fuzz/README.md.
 */
public final class SeedCorpus {
    private SeedCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "fuzz/src/test/resources/io/caption4j/fuzz/ReadersFuzzTestInputs");
        BufferedImage img = new BufferedImage(12, 8, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 6, 8);
        g.dispose();
        for (String format : new String[]{"png", "jpg", "gif", "bmp"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, format, out);
            write(root.resolve("image/seed." + format), out.toByteArray());
        }
        Vocabulary v = Vocabulary.of(List.of("<pad>", "<start>", "<end>", "<unk>", "a", "dog", "runs"));
        try (CaptionModel m = CaptionModel.builder().setEncoder(new Readers.FuzzEncoder()).setVocabulary(v)
                .setDecoder(CaptionNetwork.builder().featureSize(3).pooledSize(3).projectionSize(2).embeddingSize(2)
                        .hiddenSize(2).attentionSize(2).outputHiddenSize(2).seed(1))
                .optBeamSize(1).optMaxLength(3).build()) {
            Path model = root.resolve("modelZip/seed-model.zip");
            Files.createDirectories(model.getParent());
            m.save(model);
        }
        write(root.resolve("csv/seed.csv"), "image,caption\na.png,a dog runs\n\"b.png\",\"a dog, running\"\n");
        write(root.resolve("jsonl/seed.jsonl"), "{\"image\": \"a.png\", \"caption\": \"a dog runs\"}\n");
        write(root.resolve("cocoJson/seed.json"), "{\"images\": [{\"id\": 1, \"file_name\": \"a.png\"}],"
                + " \"annotations\": [{\"image_id\": 1, \"caption\": \"a dog runs\"}]}");
    }

    private static void write(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        System.out.println(file + ": " + bytes.length + " bytes");
    }
}
