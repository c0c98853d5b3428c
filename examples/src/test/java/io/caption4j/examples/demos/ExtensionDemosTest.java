package io.caption4j.examples.demos;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.data.CaptionBatcher;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoder;
import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.CellType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.*;

class ExtensionDemosTest {
    static BufferedImage filled(Color c) {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, 32, 32);
        g.dispose();
        return img;
    }

    @Test
    void customEncoderGruAndCustomLayerTrainDecodeAndRoundTrip() throws Exception {
        Tokenizer tok = new Tokenizer();
        Vocabulary v = Vocabulary.build(List.of(tok.tokenize("a red picture"), tok.tokenize("a blue picture")), 1, 0);
        CaptionModel model = ExtensionDemos.model(v);
        CaptionNetwork net = model.network();
        assertEquals(CellType.GRU, ((AttentionDecoder) net.getConfiguration().getVertices()
                .get(CaptionNetwork.DECODER)).getCellType());
        ExtensionDemos.ColourGridEncoder enc = new ExtensionDemos.ColourGridEncoder();
        BufferedImage red = filled(Color.RED), blue = filled(Color.BLUE);
        EncodedImage r = enc.encode(red), b = enc.encode(blue);
        MultiDataSet data = new CaptionBatcher(v, tok, 8).batch(List.of(r, b), List.of("a red picture", "a blue picture"));
        INDArray gate = net.getLayer(CaptionNetwork.FEATURE_LAYER).getParam(FeatureGate.GATE).dup();
        for (int i = 0; i < 150; i++) {
            net.fit(data);
        }
        assertNotEquals(gate, net.getLayer(CaptionNetwork.FEATURE_LAYER).getParam(FeatureGate.GATE), "the custom layer learns");

        // inference runs the custom layer too: the first step equals the teacher-forced pass
        AttentionDecoderStep step = AttentionDecoderStep.of(net);
        INDArray probs = net.output(false, data.getFeatures(), data.getFeaturesMaskArrays(),
                data.getLabelsMaskArrays())[0];                                                 // [B, V, T]
        AttentionDecoderStep.Output o = step.step(step.start(data.getFeatures(0), data.getFeatures(1), null), new int[]{1, 1});
        INDArray soft = Transforms.softmax(o.logits, true);                                     // [B, V]
        INDArray first = probs.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0)); // [B, V]
        assertEquals(0.0, soft.sub(first).amaxNumber().doubleValue(), 1e-5);

        try (CaptionModel trained = CaptionModel.builder().setEncoder(enc).setVocabulary(v).setDecoder(net).build()) {
            assertEquals("a red picture", trained.describe(red, DecodeOptions.beam(2)).text());
            assertEquals("a blue picture", trained.describe(blue, DecodeOptions.beam(2)).text());
            Path file = Files.createTempFile("demo", ".zip");
            trained.save(file);
            try (CaptionModel again = CaptionModel.load(file, enc)) {
                assertEquals("a blue picture", again.describe(blue).text());
                assertEquals(trained.describe(red).logProb(), again.describe(red).logProb(), 1e-6);
            }
            Files.delete(file);
        }
    }
}
