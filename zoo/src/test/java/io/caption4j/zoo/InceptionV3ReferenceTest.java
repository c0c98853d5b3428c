package io.caption4j.zoo;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

import io.caption4j.core.image.EncodedImage;
import io.caption4j.zoo.inception.InceptionV3Encoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * nsfwjs's InceptionV3 run by caption4j against the same model run by TF.js (zoo/scripts/tfjs_reference.js)
 * on the same 299x299 inputs: pooled mixed10 features and the 5 class probabilities within 1e-3 relative.
 */
class InceptionV3ReferenceTest {
    static InceptionV3Encoder encoder;

    @BeforeAll
    static void load() {
        assumeTrue(Files.isRegularFile(NsfwjsPackage.tarball()),
                "nsfwjs tarball not in the cache; fetch it with: " + NsfwjsPackage.fetchCommand());
        encoder = InceptionV3Encoder.nsfwjs(InceptionV3Encoder.FeatureLayer.MIXED10);
    }

    static void assertRelClose(INDArray expected, INDArray actual, double rel, String what) {
        double diff = expected.sub(actual).amaxNumber().doubleValue(), scale = expected.amaxNumber().doubleValue();
        assertTrue(diff <= rel * scale, what + ": max difference " + diff + " against max " + scale);
    }

    @Test
    void matchesTfjs() throws Exception {
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/inception/tfjs_reference.json")) {
            ref = new ObjectMapper().readTree(in);
        }
        Iterator<Map.Entry<String, JsonNode>> it = ref.get("images").fields();
        int n = 0;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            BufferedImage img;
            try (InputStream in = getClass().getResourceAsStream("/fixtures/inception/" + e.getKey())) {
                img = ImageIO.read(in);
            }
            INDArray x = encoder.preprocessor().toTensor(List.of(img));
            Map<String, INDArray> out = encoder.run(x, "average_pooling2d_10", "dense_3", "mixed5");
            INDArray pooled = out.get("average_pooling2d_10").reshape(2048);
            assertRelClose(vector(e.getValue().get("pooled")), pooled, 1e-3, e.getKey() + " pooled");
            assertRelClose(vector(e.getValue().get("probs")), out.get("dense_3").reshape(5), 1e-3, e.getKey() + " probs");
            INDArray m5 = out.get("mixed5").get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 16),
                    NDArrayIndex.point(0), NDArrayIndex.point(0));
            assertRelClose(vector(e.getValue().get("mixed5_r0_c16")), m5.reshape(16), 1e-3, e.getKey() + " mixed5");
            // the encoder's pooled vector is the same mean of the mixed10 map
            EncodedImage enc = encoder.encode(img);
            assertEquals(64, enc.regions());
            assertRelClose(pooled, enc.pooled().reshape(2048), 1e-5, e.getKey() + " encoder pooled");
            n++;
        }
        assertEquals(3, n);
    }

    static INDArray vector(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return Nd4j.createFromArray(v).castTo(DataType.FLOAT);
    }
}
