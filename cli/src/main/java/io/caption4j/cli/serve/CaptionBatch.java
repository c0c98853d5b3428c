package io.caption4j.cli.serve;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.image.ImageLoader;
import io.javalin.http.UploadedFile;

/**
 * The images of one multipart request captioned together: each file is read on its own, so a file that is not an
 * image, empty or too large gets its own {@code status} and {@code error} in {@code results} while the others go
 * to the model as one {@code describeAll} batch. Results keep the upload order.
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

    /** Reads every file (decoding the images); never throws for a bad file. */
    CaptionBatch(List<UploadedFile> files, ImageLoader loader, long maxBytes) {
        long t0 = System.nanoTime();
        for (UploadedFile f : files) {
            Entry e = new Entry(f.filename() == null || f.filename().isBlank() ? "image " + (entries.size() + 1)
                    : f.filename());
            entries.add(e);
            if (f.size() > maxBytes) {
                fail(e, 413, "the file of " + f.size() + " bytes is over the limit of " + maxBytes + " bytes");
                continue;
            }
            try (InputStream in = f.content()) {
                byte[] bytes = in.readAllBytes();
                if (bytes.length == 0) {
                    fail(e, 400, "the file is empty");
                } else {
                    e.image = loader.read(bytes, e.file);
                }
            } catch (CaptionException ex) {
                fail(e, 400, ex.getMessage());
            } catch (IOException ex) {
                fail(e, 400, "cannot read the upload: " + ex.getMessage());
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
     * {@code {file, status, error}}; {@code captions} are those of {@link #images()}, in that order.
     */
    List<Map<String, Object>> results(List<Caption> captions, boolean withAttention) {
        List<Map<String, Object>> results = new ArrayList<>();
        int next = 0;
        for (Entry e : entries) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("file", e.file);
            r.put("status", e.status);
            if (e.image != null) {
                r.putAll(CaptionJson.of(captions.get(next++), withAttention));
            } else {
                r.put("error", e.error);
            }
            results.add(r);
        }
        return results;
    }
}
