package io.caption4j.cli.serve;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.Part;
import org.eclipse.jetty.server.MultiPartFormInputStream;

/**
 * A {@code multipart/form-data} body already read into memory (by {@link UploadReader}), parsed with Jetty's parser:
 * its file parts by field name and its text fields (at most {@value #MAX_PARTS} parts). Nothing is written to disk.
 */
final class MultipartUpload {
    /** Bytes a multipart body may have beyond the upload limit (boundaries, part headers, form fields). */
    static final long OVERHEAD = 64 * 1024;
    static final int MAX_PARTS = 64;

    /** One uploaded file. */
    static final class FilePart {
        final String field, filename;
        final byte[] bytes;

        FilePart(String field, String filename, byte[] bytes) {
            this.field = field;
            this.filename = filename;
            this.bytes = bytes;
        }
    }

    final List<FilePart> files = new ArrayList<>();
    final Map<String, String> fields = new LinkedHashMap<>();

    /** Parses the body; a malformed one is a 400, a file over maxFileBytes a 413. */
    static MultipartUpload parse(byte[] body, String contentType, long maxFileBytes) {
        MultipartUpload u = new MultipartUpload();
        int whole = (int) Math.min(Integer.MAX_VALUE, body.length + 1L);
        MultipartConfigElement config = new MultipartConfigElement(null, maxFileBytes, body.length + 1L, whole);
        MultiPartFormInputStream parser = new MultiPartFormInputStream(new ByteArrayInputStream(body), contentType, config,
                null, MAX_PARTS);
        try {
            for (Part p : parser.getParts()) {
                byte[] b;
                try (InputStream in = p.getInputStream()) {
                    b = in.readAllBytes();         // in memory already: the body was bounded before parsing
                }
                if (p.getSubmittedFileName() != null) {
                    u.files.add(new FilePart(p.getName(), p.getSubmittedFileName(), b));
                } else {
                    u.fields.put(p.getName(), new String(b, StandardCharsets.UTF_8));
                }
            }
        } catch (IllegalStateException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase();
            if (m.contains("exceeds") || m.contains("max")) {
                throw new HttpError(m.contains("parts") ? 400 : 413, m.contains("parts")
                        ? "the multipart request has more than " + MAX_PARTS + " parts"
                        : "an uploaded file is over the limit of " + maxFileBytes + " bytes");
            }
            throw new HttpError(400, "the multipart body is malformed");
        } catch (IOException | RuntimeException e) {
            throw new HttpError(400, "the multipart body is malformed");
        } finally {
            parser.deleteParts();
        }
        return u;
    }

    /** The files of the given field in upload order, or a 400 naming the fields files came in when there is none. */
    List<FilePart> files(String field) {
        List<FilePart> found = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (FilePart f : files) {
            if (f.field.equals(field)) {
                found.add(f);
            }
            names.add(f.field);
        }
        if (found.isEmpty()) {
            throw new HttpError(400, "the multipart request has no file in the field '" + field + "'"
                    + (names.isEmpty() ? "" : " (files came in " + names + ")"));
        }
        return found;
    }
}
