package io.caption4j.core.internal;

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
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The zips caption4j saves (models and checkpoints): read whole into named entries, and written so that a crash at
 * any moment leaves the old file or the new one, never a torn one.
 */
public final class ZipFiles {
    private ZipFiles() {
    }

    /**
     * Every entry of a zip stream by name, in order, read to the zip's end (the stream is not closed). A damaged
     * or foreign stream gives a {@link java.util.zip.ZipException} or {@link java.io.EOFException}.
     */
    public static Map<String, byte[]> readEntries(InputStream in) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        ZipInputStream zip = new ZipInputStream(in);
        for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
            entries.put(e.getName(), zip.readAllBytes());
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
