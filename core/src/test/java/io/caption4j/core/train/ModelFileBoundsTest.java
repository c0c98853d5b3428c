package io.caption4j.core.train;

import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Hostile model files: a zip bomb is refused while inflating, with a one-line CaptionException. */
class ModelFileBoundsTest {
    @TempDir
    Path tmp;

    @Test
    void aZipBombModelIsRefusedNotInflated() throws Exception {
        Path bomb = tmp.resolve("bomb.zip");
        try (OutputStream os = Files.newOutputStream(bomb); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("model.json"));
            zip.write("{\"format\":\"caption4j-model/1\"}".getBytes());
            zip.putNextEntry(new ZipEntry("params.bin"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 300; i++) {                  // 300 MiB of zeros, about 0.3 MB compressed
                zip.write(zeros);
            }
        }
        assertTrue(Files.size(bomb) < 1 << 20, Files.size(bomb) + " bytes");
        String m = assertThrows(CaptionException.class, () -> CaptionModel.load(bomb)).getMessage();
        assertTrue(m.contains("params.bin") && m.contains("zip bomb"), m);
        assertFalse(m.contains("\n"), m);
        assertTrue(m.length() < 300, m);
    }

    @Test
    void aModelWithNaNWeightsIsRefusedAtLoadAndNeverCaptions() {
        Vocabulary v = Vocabulary.of(List.of("<pad>", "<start>", "<end>", "<unk>", "a", "red", "square"));
        CaptionModel model = CaptionModel.builder().setEncoder(new ToyData.Encoder()).setVocabulary(v)
                .setDecoder(CaptionNetwork.builder().featureSize(6).pooledSize(6).projectionSize(8).embeddingSize(5)
                        .hiddenSize(8).attentionSize(8).outputHiddenSize(8).seed(3))
                .optBeamSize(2).optMaxLength(6).build();
        model.network().params().assign(Float.NaN);
        model.refresh();
        String m = assertThrows(CaptionException.class, () -> model.describe(new BufferedImage(8, 8,
                BufferedImage.TYPE_INT_RGB))).getMessage();
        assertTrue(m.contains("non-finite"), m);
        Path nan = tmp.resolve("nan.zip");
        model.save(nan);                                       // checksums of the NaN parameters, consistent file
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(nan, new ToyData.Encoder())).getMessage();
        assertTrue(m.contains("nan.zip") && m.contains("not finite") && m.contains("index 0"), m);
        model.close();
    }
}
