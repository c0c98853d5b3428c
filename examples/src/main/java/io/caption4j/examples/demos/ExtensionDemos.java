package io.caption4j.examples.demos;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.CellType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Extending caption4j without forking it: (1) your own {@link ImageEncoder}, (2) a GRU instead of the LSTM,
 * (3) your own DL4J layer ({@link FeatureGate}) inserted before the decoder. Run it (after {@code mvn install -DskipTests}):
 * {@code mvn -q -pl examples exec:java -Dexec.mainClass=io.caption4j.examples.demos.ExtensionDemos}
 */
public final class ExtensionDemos {
    private ExtensionDemos() {
    }

    /** (1) An encoder of your own: a 4x4 grid of mean colours (any network or hand-made features will do). */
    public static final class ColourGridEncoder implements ImageEncoder {
        @Override
        public EncodedImage encode(BufferedImage image) {
            int w = image.getWidth(), h = image.getHeight();
            float[] f = new float[16 * 3];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int cell = (y * 4 / h) * 4 + x * 4 / w, rgb = image.getRGB(x, y);
                    f[cell * 3] += ((rgb >> 16) & 255) / 255f * 16 / (w * h);
                    f[cell * 3 + 1] += ((rgb >> 8) & 255) / 255f * 16 / (w * h);
                    f[cell * 3 + 2] += (rgb & 255) / 255f * 16 / (w * h);
                }
            }
            INDArray spatial = Nd4j.create(f, new long[]{16, 3}, DataType.FLOAT);     // [regions, channels]
            return new EncodedImage(spatial, spatial.mean(0), 4, 4);
        }

        @Override
        public String id() {
            return "demo/colour-grid-4x4";
        }
    }

    /** (2) + (3): a GRU decoder with a custom layer on the features, for the encoder above. */
    public static CaptionModel model(Vocabulary vocabulary) {
        CaptionNetwork.Builder decoder = CaptionNetwork.builder()
                .featureSize(3).pooledSize(3)
                .featureLayer(new FeatureGate(3), 3)     // (3) your DL4J layer: [B, L, 3] -> [B, L, 3]
                .cellType(CellType.GRU)                  // (2) GRU instead of LSTM
                .projectionSize(32).embeddingSize(16).hiddenSize(32).attentionSize(32).outputHiddenSize(32);
        return CaptionModel.builder()
                .setEncoder(new ColourGridEncoder())     // (1) your encoder
                .setVocabulary(vocabulary)
                .setDecoder(decoder)
                .optBeamSize(2).optMaxLength(8)
                .build();
    }

    public static void main(String[] args) throws Exception {
        Tokenizer tokenizer = new Tokenizer();
        List<List<String>> captions = List.of(tokenizer.tokenize("a red picture"), tokenizer.tokenize("a blue picture"));
        Vocabulary vocabulary = Vocabulary.build(captions, 1, 0);
        try (CaptionModel model = model(vocabulary)) {
            CaptionNetwork net = model.network();       // a DL4J ComputationGraph: train it with net.fit(...) or the Trainer
            System.out.println("Layers: " + String.join(", ", net.getConfiguration().getVertices().keySet()));
            BufferedImage red = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            Caption c = model.describe(red);
            System.out.println("Untrained caption: " + c.text() + " (log p " + String.format("%.2f", c.logProb()) + ")");
            Path file = Files.createTempFile("demo", ".zip");
            model.save(file);
            try (CaptionModel again = CaptionModel.load(file, new ColourGridEncoder())) {
                System.out.println("Reloaded: " + again.describe(red).text());
            }
            Files.delete(file);
        }
    }
}
