package io.caption4j.core.internal;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The zips caption4j saves (models and checkpoints): read whole into named entries, with bounded memory (a zip
 * bomb is refused while it inflates), and written so that a crash at any moment leaves the old file or the new
 * one, never a torn one.
 */
public final class ZipFiles {
    /** The largest entry read, inflated: the system property {@value #MAX_ENTRY_PROPERTY}, default 1 GiB. */
    public static final String MAX_ENTRY_PROPERTY = "caption4j.maxZipEntryBytes";
    /** Inflated bytes allowed beyond {@value #MAX_RATIO} times the compressed bytes read (float weights barely compress). */
    static final long RATIO_ALLOWANCE = 64L << 20;
    static final int MAX_RATIO = 20;

    private ZipFiles() {
    }

    /**
     * Every entry of a zip stream by name, in order, read to the zip's end (the stream is not closed). A damaged
     * or foreign stream gives a {@link java.util.zip.ZipException} or {@link java.io.EOFException}, and so does one
     * whose entry is (or claims to be) over the entry limit, or which inflates more than {@value #MAX_RATIO} times
     * its compressed size beyond 64 MiB: such a zip is refused before it can exhaust memory.
     */
    public static Map<String, byte[]> readEntries(InputStream in) throws IOException {
        long maxEntry = Math.min(Integer.MAX_VALUE - 8L, Long.getLong(MAX_ENTRY_PROPERTY, 1L << 30));
        long[] compressed = {0};
        InputStream counting = new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                compressed[0] += b < 0 ? 0 : 1;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                compressed[0] += Math.max(0, n);
                return n;
            }
        };
        Map<String, byte[]> entries = new LinkedHashMap<>();
        ZipInputStream zip = new ZipInputStream(counting);
        byte[] buf = new byte[1 << 16];
        long inflated = 0;
        for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
            if (e.getSize() > maxEntry) {
                throw new ZipException("entry " + e.getName() + " declares " + e.getSize() + " bytes, over the limit of "
                        + maxEntry + " (-D" + MAX_ENTRY_PROPERTY + "=N)");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(8192, Math.min(e.getSize(), 1 << 26)));
            for (int n; (n = zip.read(buf)) > 0; ) {
                inflated += n;
                if (out.size() + n > maxEntry) {
                    throw new ZipException("entry " + e.getName() + " inflates to more than the limit of " + maxEntry
                            + " bytes (-D" + MAX_ENTRY_PROPERTY + "=N)");
                }
                if (inflated > RATIO_ALLOWANCE + MAX_RATIO * compressed[0]) {
                    throw new ZipException("entry " + e.getName() + " inflates to over " + MAX_RATIO + " times the "
                            + compressed[0] + " compressed bytes read (a zip bomb?); refused");
                }
                out.write(buf, 0, n);
            }
            entries.put(e.getName(), out.toByteArray());
        }
        return entries;
    }

    /** Writes the entries (in order) to a temporary file beside {@code file}, syncs it, and renames it over {@code file}. */
    public static void writeAtomically(Path file, Map<String, byte[]> entries) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
