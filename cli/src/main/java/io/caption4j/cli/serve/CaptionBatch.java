package io.caption4j.cli.serve;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.core.image.ImageMemoryException;

/**
 * The images of one multipart request captioned together, decoded on the worker that captions them: each file is
 * read on its own, so a file that is not an image or empty gets its own {@code status} and {@code error} in
 * {@code results} (503 when decoding it ran out of memory) while the others go to the model as one
 * {@code describeAll} batch. Results keep the upload order.
 */
final class CaptionBatch {
    /** One uploaded file: its image, or why it has none. */
    private static final class Entry {
        final String file;
        BufferedImage image;
        int status = 200;
        String error;

        Entry(String file) {
            this.file = file;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final double readMs;

    /**
     * Reads every file (decoding the images); never throws for a bad file. decoded: told each decoded image's time,
     * in nanoseconds (the metrics).
     */
    CaptionBatch(List<MultipartUpload.FilePart> files, ImageLoader loader, LongConsumer decoded) {
        long t0 = System.nanoTime();
        for (MultipartUpload.FilePart f : files) {
            Entry e = new Entry(f.filename == null || f.filename.isBlank() ? "image " + (entries.size() + 1) : f.filename);
            entries.add(e);
            if (f.bytes.length == 0) {
                fail(e, 400, "the file is empty");
                continue;
            }
            try {
                long t = System.nanoTime();
                e.image = loader.read(f.bytes, e.file);
                decoded.accept(System.nanoTime() - t);
            } catch (ImageMemoryException ex) {
                fail(e, 503, "the server ran out of memory for this image now; try again later");
            } catch (CaptionException ex) {
                fail(e, 400, CaptionServer.clientMessage(ex));
            }
        }
        readMs = (System.nanoTime() - t0) / 1e6;
    }

    private static void fail(Entry e, int status, String message) {
        e.status = status;
        e.error = message;
    }

    /** The images that could be read, in upload order: what goes to the model. */
    List<BufferedImage> images() {
        List<BufferedImage> images = new ArrayList<>();
        for (Entry e : entries) {
            if (e.image != null) {
                images.add(e.image);
            }
        }
        return images;
    }

    /** Time spent reading and decoding the files, in milliseconds. */
    double readMs() {
        return readMs;
    }

    /**
     * The {@code results} array: for each file in upload order, {@code {file, status: 200, caption, ...}} or
     * {@code {file, status, error}}; {@code captions} are those of {@link #images()}, in that order; ms: the batch's
     * decoding and captioning.
     */
    List<Map<String, Object>> results(List<Caption> captions, boolean withAttention, long ms) {
        List<Map<String, Object>> results = new ArrayList<>();
        int next = 0;
        for (Entry e : entries) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("file", e.file);
            r.put("status", e.status);
            if (e.image != null) {
                r.putAll(CaptionJson.of(captions.get(next++), withAttention, ms));
            } else {
                r.put("error", e.error);
            }
            results.add(r);
        }
        return results;
    }
}
