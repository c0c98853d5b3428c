package io.caption4j.core.train;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
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
}
