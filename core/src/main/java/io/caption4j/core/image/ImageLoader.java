package io.caption4j.core.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

import io.caption4j.core.CaptionException;

/**
 * Reads image files (JPEG baseline, progressive and CMYK, PNG, BMP, GIF first frame) with ImageIO and the
 * TwelveMonkeys JPEG plugin, with every read bounded: a file over {@link #maxFileBytes()} or whose first bytes are not
 * one of those formats is refused before it is read, an image whose header claims more pixels than
 * {@link #maxPixels()} before any pixel is decoded, and one with more than {@link #maxDecodedPixels()} is decoded
 * subsampled (every k-th pixel of every k-th row, ImageIO's source subsampling) so decoding never holds more than that
 * many pixels; the encoders resize to about 300x300 anyway. Every failure is a {@link CaptionException} naming the file
 * and the problem; running out of memory while decoding is an {@link ImageMemoryException} (the image may be fine:
 * try again later), never a "corrupt image". Thread-safe.
 */
public final class ImageLoader {
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;
    public static final String MAX_PIXELS_PROPERTY = "caption4j.maxImagePixels";
    /** 4096 x 4096: photos of up to 16 megapixels decode at full size. */
    public static final long DEFAULT_MAX_DECODED_PIXELS = 1L << 24;
    public static final String MAX_DECODED_PIXELS_PROPERTY = "caption4j.maxDecodedPixels";
    public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;
    public static final String MAX_FILE_BYTES_PROPERTY = "caption4j.maxImageBytes";
    private static final String SUPPORTED = "supported: JPEG, PNG, BMP, GIF";

    static {
        ImageIO.scanForPlugins();
        ImageIO.setUseCache(false);
    }

    private final long maxPixels, maxDecodedPixels, maxFileBytes;

    /** A loader with the default limits (or the system properties'). */
    public ImageLoader() {
        this(Long.getLong(MAX_PIXELS_PROPERTY, DEFAULT_MAX_PIXELS));
    }

    /** A loader refusing images of more than maxPixels, with the other limits at their defaults. */
    public ImageLoader(long maxPixels) {
        this(maxPixels, Long.getLong(MAX_DECODED_PIXELS_PROPERTY, DEFAULT_MAX_DECODED_PIXELS),
                Long.getLong(MAX_FILE_BYTES_PROPERTY, DEFAULT_MAX_FILE_BYTES));
    }

    /** A loader refusing images of more than maxPixels and subsampling those of more than maxDecodedPixels. */
    public ImageLoader(long maxPixels, long maxDecodedPixels) {
        this(maxPixels, maxDecodedPixels, Long.getLong(MAX_FILE_BYTES_PROPERTY, DEFAULT_MAX_FILE_BYTES));
    }

    /**
     * A loader refusing files over maxFileBytes and images of more than maxPixels, and subsampling images of more than
     * maxDecodedPixels while decoding them.
     */
    public ImageLoader(long maxPixels, long maxDecodedPixels, long maxFileBytes) {
        if (maxPixels <= 0 || maxDecodedPixels <= 0 || maxFileBytes <= 0) {
            throw new IllegalArgumentException("image limits must be > 0, got maxPixels " + maxPixels + ", maxDecodedPixels "
                    + maxDecodedPixels + ", maxFileBytes " + maxFileBytes);
        }
        this.maxPixels = maxPixels;
        this.maxDecodedPixels = maxDecodedPixels;
        this.maxFileBytes = maxFileBytes;
    }

    /** Images whose header claims more pixels are refused. */
    public long maxPixels() {
        return maxPixels;
    }

    /** Images of more pixels are decoded subsampled to at most this many. */
    public long maxDecodedPixels() {
        return maxDecodedPixels;
    }

    /** Files or streams of more bytes are refused before they are read. */
    public long maxFileBytes() {
        return maxFileBytes;
    }

    /** Reads an image file, streaming it (never whole into memory). */
    public BufferedImage read(Path file) {
        if (Files.isDirectory(file)) {
            throw new CaptionException(file + ": is a directory, not an image file");
        }
        if (!Files.isRegularFile(file)) {
            throw new CaptionException(file + ": no such file");
        }
        try {
            long size = Files.size(file);
            if (size == 0) {
                throw new CaptionException(file + ": the file is empty (0 bytes)");
            }
            checkSize(size, file.toString());
            byte[] head = new byte[16];
            int n;
            try (InputStream in = Files.newInputStream(file)) {
                n = in.readNBytes(head, 0, head.length);
            }
            checkFormat(head, n, file.toString());
            try (ImageInputStream iis = ImageIO.createImageInputStream(file.toFile())) {
                return decode(iis, file.toString());
            }
        } catch (IOException e) {
            throw new CaptionException(file + ": cannot read the file (" + e.getMessage() + ")", e);
        }
    }

    /** Reads an image from a stream (at most {@link #maxFileBytes()} of it); name identifies it in error messages. */
    public BufferedImage read(InputStream in, String name) {
        byte[] bytes;
        try {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, maxFileBytes + 1));
        } catch (IOException e) {
            throw new CaptionException(name + ": cannot read the stream (" + e.getMessage() + ")", e);
        }
        checkSize(bytes.length, name);
        return read(bytes, name);
    }

    /** Reads an image from its encoded bytes. */
    public BufferedImage read(byte[] bytes, String name) {
        if (bytes.length == 0) {
            throw new CaptionException(name + ": the file is empty (0 bytes)");
        }
        checkFormat(bytes, bytes.length, name);
        try (ImageInputStream iis = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            return decode(iis, name);
        } catch (IOException e) {
            throw new CaptionException(name + ": the image data is truncated or corrupt (" + e.getMessage() + ")", e);
        }
    }

    private void checkSize(long size, String name) {
        if (size > maxFileBytes) {
            throw new CaptionException(name + ": " + (size > Integer.MAX_VALUE - 16 ? "more than " + maxFileBytes : size)
                    + " bytes, above the image file limit of " + maxFileBytes + " (raise it with -D" + MAX_FILE_BYTES_PROPERTY
                    + "=N); not read");
        }
    }

    /** The format by its first bytes (magic numbers): JPEG, PNG, GIF or BMP, else a CaptionException. */
    static String format(byte[] head, int n) {
        if (n >= 3 && (head[0] & 255) == 0xFF && (head[1] & 255) == 0xD8 && (head[2] & 255) == 0xFF) {
            return "JPEG";
        }
        if (n >= 8 && (head[0] & 255) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G' && head[4] == 0x0D
                && head[5] == 0x0A && head[6] == 0x1A && head[7] == 0x0A) {
            return "PNG";
        }
        if (n >= 6 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F' && head[3] == '8' && (head[4] == '7' || head[4] == '9')
                && head[5] == 'a') {
            return "GIF";
        }
        if (n >= 2 && head[0] == 'B' && head[1] == 'M') {
            return "BMP";
        }
        if (n >= 4 && ((head[0] == 'I' && head[1] == 'I' && head[2] == 42 && head[3] == 0)
                || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && head[3] == 42))) {
            return "TIFF";
        }
        return null;
    }

    private static void checkFormat(byte[] head, int n, String name) {
        String f = format(head, n);
        if (f == null) {
            throw new CaptionException(name + ": not an image, or a format caption4j cannot read (" + SUPPORTED + ")");
        }
        if (f.equals("TIFF")) {
            throw new CaptionException(name + ": TIFF images are not supported (" + SUPPORTED + ")");
        }
    }

    private BufferedImage decode(ImageInputStream iis, String name) {
        try {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw new CaptionException(name + ": not an image, or a format caption4j cannot read (" + SUPPORTED + ")");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw new CaptionException(name + ": the header gives an empty size " + w + "x" + h);
                }
                if (w * h > maxPixels) {
                    throw new CaptionException(name + ": the header claims " + w + "x" + h + " = " + w * h
                            + " pixels, above the limit of " + maxPixels + " (raise it with -D" + MAX_PIXELS_PROPERTY
                            + "=N or new ImageLoader(N)); not decoded");
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                    @Override
                    public void warningOccurred(ImageReader source, String warning) {
                        String w = warning.toLowerCase();
                        if (!w.contains("icc") && !w.contains("color profile")) { // colour management notes are benign
                            warnings.add(warning);
                        }
                    }
                });
                ImageReadParam param = reader.getDefaultReadParam();
                int k = subsampling(w, h, maxDecodedPixels);
                if (k > 1) {
                    param.setSourceSubsampling(k, k, 0, 0);
                }
                BufferedImage image = reader.read(0, param);
                if (!warnings.isEmpty()) {
                    throw new CaptionException(name + ": the image data is truncated or corrupt (" + warnings.get(0) + ")");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            if (e instanceof CaptionException) {
                throw (CaptionException) e;
            }
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof OutOfMemoryError) {      // the PNG reader wraps it in an IIOException
                    throw new ImageMemoryException(name + ": not enough memory to decode the image now", t);
                }
            }
            throw new CaptionException(name + ": the image data is truncated or corrupt (" + e.getMessage() + ")", e);
        }
    }

    /** The smallest step k such that reading every k-th pixel of every k-th row of a w x h image gives at most max pixels. */
    static int subsampling(long w, long h, long max) {
        int k = Math.max(1, (int) Math.ceil(Math.sqrt((double) w * h / max)));
        while (((w + k - 1) / k) * ((h + k - 1) / k) > max) {
            k++;
        }
        return k;
    }
}
