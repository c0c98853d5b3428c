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
 * The zips caption4j saves (models and checkpoints): read whole into named entries within size bounds (a zip bomb
 * fails with a message, not an out-of-memory error), and written so that a crash at any moment leaves the old file
 * or the new one, never a torn one.
 */
public final class ZipFiles {
    private ZipFiles() {
    }

    /** Entries inflating past this many bytes are refused (the system property {@value #MAX_ENTRY_PROPERTY} overrides). */
    public static final long DEFAULT_MAX_ENTRY_BYTES = 1L << 30;
    public static final String MAX_ENTRY_PROPERTY = "caption4j.maxZipEntryBytes";
    /**
     * A zip whose inflated bytes exceed this many times its compressed bytes (plus {@link #RATIO_SLACK}) is refused: saved
     * parameters compress about 1.1 times, a zip bomb a thousand times.
     */
    public static final int MAX_RATIO = 100;
    static final long RATIO_SLACK = 16L << 20;
    private static final int CHUNK = 1 << 16;

    /** A zip refused because an entry is larger than allowed, or inflates far more than real data does. */
    public static final class TooLargeException extends ZipException {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message);
        }
    }

    /**
     * Every entry of a zip stream by name, in order, read to the zip's end (the stream is not closed), each at most
     * {@link #DEFAULT_MAX_ENTRY_BYTES} (or the system property's). A damaged or foreign stream gives a
     * {@link ZipException} or {@link java.io.EOFException}; one over the bounds a {@link TooLargeException}.
     */
    public static Map<String, byte[]> readEntries(InputStream in) throws IOException {
        long max = Long.getLong(MAX_ENTRY_PROPERTY, DEFAULT_MAX_ENTRY_BYTES);
        return readEntries(in, (name, before) -> max);
    }

    /** The largest inflated size allowed for an entry, given its name and the entries read before it. */
    @FunctionalInterface
    public interface EntryBound {
        long maxBytes(String name, Map<String, byte[]> before);
    }

    /**
     * As {@link #readEntries(InputStream)}, with the largest inflated size of each entry given by its name and the
     * entries before it (a manifest read first can bound the rest); reading stops
     * at the first byte over a bound, so a hostile zip costs no more memory than the bound.
     */
    public static Map<String, byte[]> readEntries(InputStream in, EntryBound maxBytes) throws IOException {
        CountingInputStream counted = new CountingInputStream(in);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        ZipInputStream zip = new ZipInputStream(counted);
        long inflated = 0;
        byte[] chunk = new byte[CHUNK];
        for (ZipEntry e; (e = nextEntry(zip)) != null; ) {
            long max = Math.min(maxBytes.maxBytes(e.getName(), entries), Integer.MAX_VALUE - 16);
            if (e.getSize() > max) {
                throw new TooLargeException("entry " + e.getName() + " declares " + e.getSize() + " bytes, above the limit of "
                        + max);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(e.getSize(), 0), CHUNK));
            for (int n; (n = zip.read(chunk)) > 0; ) {
                inflated += n;
                if (out.size() + (long) n > max) {
                    throw new TooLargeException("entry " + e.getName() + " inflates past the limit of " + max + " bytes");
                }
                if (inflated > MAX_RATIO * counted.count + RATIO_SLACK) {
                    throw new TooLargeException("entry " + e.getName() + " inflates to more than " + MAX_RATIO
                            + " times its compressed size (" + inflated + " bytes from " + counted.count
                            + "): a zip bomb, not a saved model");
                }
                out.write(chunk, 0, n);
            }
            entries.put(e.getName(), out.toByteArray());
        }
        return entries;
    }

    /** The next entry; a name that is not valid UTF-8 is a ZipException like any other damage (found by fuzzing). */
    private static ZipEntry nextEntry(ZipInputStream zip) throws IOException {
        try {
            return zip.getNextEntry();
        } catch (IllegalArgumentException e) {
            throw new ZipException("an entry name is not valid UTF-8 (" + e.getMessage() + ")");
        }
    }

    /** Counts the bytes read through it (the compressed side of a zip). */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(n, 0);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }
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
