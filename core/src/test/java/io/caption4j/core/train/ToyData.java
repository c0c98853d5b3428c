package io.caption4j.core.train;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.FeatureCache;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A toy captioning task made on the fly: 32x32 PNGs with a red, green or blue square in the left or right
 * half, captioned "a red square on the left" etc., in the user CSV format; and a small deterministic encoder
 * (2x2 grid of mean "ink" 1 - RGB and its square). Training on it runs the whole pipeline in seconds.
 */
final class ToyData {
    static final String[] COLORS = {"red", "green", "blue"};
    static final Color[] RGB = {Color.RED, Color.GREEN, Color.BLUE};

    private ToyData() {
    }

    /** Writes n images and a CSV of their captions (two wordings each) into dir; returns the CSV path. */
    static Path write(Path dir, int n, long seed) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        StringBuilder csv = new StringBuilder("image,caption\n");
        for (int i = 0; i < n; i++) {
            int color = r.nextInt(3);
            boolean left = r.nextBoolean();
            BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 32, 32);
            g.setColor(RGB[color]);
            g.fillRect(left ? 2 + r.nextInt(4) : 18 + r.nextInt(4), 4 + r.nextInt(16), 10, 10);
            g.dispose();
            String name = "img" + i + ".png";
            ImageIO.write(img, "png", dir.resolve(name).toFile());
            String side = left ? "left" : "right";
            csv.append(name).append(",a ").append(COLORS[color]).append(" square on the ").append(side).append('\n');
            csv.append(name).append(",").append(COLORS[color]).append(" box at the ").append(side).append('\n');
        }
        Path file = dir.resolve("captions.csv");
        Files.writeString(file, csv);
        return file;
    }

    static CaptionDataset dataset(Path csv) {
        return Datasets.userFile(csv, csv.getParent());
    }

    /** 2x2 grid; per cell the mean ink (1 - R, 1 - G, 1 - B) and its square (6 channels). Counts its calls. */
    static final class Encoder implements ImageEncoder {
        final AtomicInteger images = new AtomicInteger();

        @Override
        public EncodedImage encode(BufferedImage image) {
            images.incrementAndGet();
            int w = image.getWidth(), h = image.getHeight();
            float[] f = new float[4 * 6];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int cell = (y * 2 / h) * 2 + (x * 2 / w);
                    int rgb = image.getRGB(x, y);
                    float[] c = {1 - ((rgb >> 16) & 255) / 255f, 1 - ((rgb >> 8) & 255) / 255f, 1 - (rgb & 255) / 255f}; // ink
                    for (int k = 0; k < 3; k++) {
                        f[cell * 6 + k] += c[k] * 16f / (w * h);        // scaled to about [0, 4], like real features
                        f[cell * 6 + 3 + k] += c[k] * c[k] * 4f / (w * h);
                    }
                }
            }
            var spatial = Nd4j.create(f, new long[]{4, 6}, DataType.FLOAT);
            return new EncodedImage(spatial, spatial.mean(0), 2, 2);
        }

        @Override
        public String id() {
            return "toy-encoder/v1";
        }
    }

    static FeatureSource features(Encoder encoder, Path cacheDir) throws IOException {
        return new FeatureSource(encoder, 1, cacheDir == null ? null : new FeatureCache(cacheDir, encoder.id()),
                new ImageLoader(), 4);
    }

    /** A small, fast configuration for the toy task. */
    static TrainConfig config() {
        TrainConfig c = new TrainConfig();
        c.dataset = "file";
        c.minCount = 1;
        c.maxLength = 10;
        c.projectionSize = 16;
        c.hiddenSize = 24;
        c.attentionSize = 16;
        c.embeddingSize = 12;
        c.outputHiddenSize = 16;
        c.batchSize = 8;
        c.epochs = 2;
        c.learningRate = 1e-2;
        c.dropout = 0.2;
        c.checkpointEverySteps = 3;
        c.checkpointEveryMinutes = 0;
        return c;
    }

    static List<String> lines(Path csv) throws IOException {
        return new ArrayList<>(Files.readAllLines(csv));
    }
}
