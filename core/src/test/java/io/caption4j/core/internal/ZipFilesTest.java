package io.caption4j.core.internal;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Zip reads are bounded: a bomb or an entry over its bound fails at once with a message, a real zip reads whole. */
class ZipFilesTest {
    @TempDir
    Path tmp;

    @Test
    void aThreeGibBombFailsFastWithAMessage() throws Exception {
        Path bomb = tmp.resolve("bomb.zip");
        ZipBomb.write(bomb, Map.of("model.json", "{}".getBytes(StandardCharsets.UTF_8)), "params.bin", 3L << 30);
        assertTrue(Files.size(bomb) < 4_000_000, "a 3 GiB entry in " + Files.size(bomb) + " bytes");
        long t0 = System.nanoTime();
        try (InputStream in = Files.newInputStream(bomb)) {
            String m = assertThrows(ZipFiles.TooLargeException.class, () -> ZipFiles.readEntries(in)).getMessage();
            assertTrue(m.contains("params.bin") && m.contains("zip bomb"), m);
        }
        assertTrue(System.nanoTime() - t0 < 20e9, "refused after reading a bounded prefix");
        ZipBomb.write(bomb, Map.of(), "params.bin", 3L << 30, true);     // refused by its header, before inflating
        try (InputStream in = Files.newInputStream(bomb)) {
            String m = assertThrows(ZipFiles.TooLargeException.class, () -> ZipFiles.readEntries(in)).getMessage();
            assertTrue(m.contains("params.bin declares 3221225472 bytes"), m);
        }
    }

    /** Found by fuzzing (ReadersFuzzTest#modelZip): an entry name that is not UTF-8 threw IllegalArgumentException. */
    @Test
    void anEntryNameThatIsNotUtf8IsAZipException() throws Exception {
        byte[] name = {'a', (byte) 0xC3, '(', 'b'};
        ByteBuffer h = ByteBuffer.allocate(30 + name.length).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0x0800).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putInt(0).putInt(0).putInt(0).putShort((short) name.length).putShort((short) 0).put(name);
        String m = assertThrows(java.util.zip.ZipException.class,
                () -> ZipFiles.readEntries(new java.io.ByteArrayInputStream(h.array()))).getMessage();
        assertTrue(m.contains("not valid UTF-8"), m);
    }

    @Test
    void entriesOverTheirBoundAreRefusedAndRealZipsReadWhole() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("a.txt", "hello".getBytes(StandardCharsets.UTF_8));
        entries.put("b.bin", new byte[5000]);
        Path zip = tmp.resolve("ok.zip");
        ZipFiles.writeAtomically(zip, entries);
        try (InputStream in = Files.newInputStream(zip)) {
            Map<String, byte[]> read = ZipFiles.readEntries(in);
            assertArrayEquals(entries.get("a.txt"), read.get("a.txt"));
            assertArrayEquals(entries.get("b.bin"), read.get("b.bin"));
        }
        try (InputStream in = Files.newInputStream(zip)) {
            String m = assertThrows(ZipFiles.TooLargeException.class,
                    () -> ZipFiles.readEntries(in, (name, before) -> name.equals("b.bin") ? 4999 : 100)).getMessage();
            assertTrue(m.contains("b.bin") && m.contains("4999"), m);
        }
        try (InputStream in = Files.newInputStream(zip)) {    // the bound sees the entries before it (a manifest)
            Map<String, byte[]> read = ZipFiles.readEntries(in, (name, before) -> name.equals("b.bin")
                    ? before.get("a.txt").length * 1000 : 100);
            assertEquals(5000, read.get("b.bin").length);
        }
    }
}
