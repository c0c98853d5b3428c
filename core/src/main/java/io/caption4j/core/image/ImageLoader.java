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
 * TwelveMonkeys JPEG plugin, refusing before any pixel is decoded an image whose header claims more pixels
 * than the limit (default {@value #DEFAULT_MAX_PIXELS}, or the system property {@value #MAX_PIXELS_PROPERTY}).
 * An image over the decode budget (default: none) is read with source subsampling, straight at a few megapixels,
 * so a small file that decodes huge costs little memory; running out of memory while decoding is an
 * {@link ImageMemoryException}, never a "corrupt image". Every failure is a {@link CaptionException} naming the
 * file and the problem. Thread-safe.
 */
public final class ImageLoader {
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;
    public static final String MAX_PIXELS_PROPERTY = "caption4j.maxImagePixels";
    /** Largest image file read, in bytes: the system property {@value #MAX_BYTES_PROPERTY}, default 256 MiB. */
    public static final String MAX_BYTES_PROPERTY = "caption4j.maxImageBytes";
    private static final String SUPPORTED = " (supported: JPEG, PNG, BMP, GIF)";

    static {
        ImageIO.scanForPlugins();
        ImageIO.setUseCache(false);
    }

    private final long maxPixels;
    private final long decodePixels;

    /** A loader with the default limit (or the system property's). */
    public ImageLoader() {
        this(Long.getLong(MAX_PIXELS_PROPERTY, DEFAULT_MAX_PIXELS));
    }

    public ImageLoader(long maxPixels) {
        this(maxPixels, Long.MAX_VALUE);
    }

    /**
     * A loader refusing headers over maxPixels and decoding images over decodePixels subsampled (every k-th pixel
     * of every k-th row, the smallest k that fits), which bounds decoding memory to about decodePixels pixels.
     */
    public ImageLoader(long maxPixels, long decodePixels) {
        if (maxPixels <= 0 || decodePixels <= 0) {
            throw new IllegalArgumentException("maxPixels and decodePixels must be > 0, got " + maxPixels + ", "
                    + decodePixels);
        }
        this.maxPixels = maxPixels;
        this.decodePixels = decodePixels;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** Reads an image file; its size and first bytes (the format's signature) are checked before it is read whole. */
    public BufferedImage read(Path file) {
        if (Files.isDirectory(file)) {
            throw new CaptionException(file + ": a directory, not an image file");
        }
        if (!Files.isRegularFile(file)) {
            throw new CaptionException(file + ": no such file");
        }
        try {
            long size = Files.size(file);
            if (size == 0) {
                throw new CaptionException(file + ": the file is empty (0 bytes)");
            }
            long max = maxFileBytes();
            if (size > max) {
                throw new CaptionException(file + ": " + size + " bytes, over the limit of " + max + " for an image (-D"
                        + MAX_BYTES_PROPERTY + "=N); not read");
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] head = in.readNBytes(8);
                checkSignature(head, file.toString());
                byte[] rest = in.readNBytes((int) (max - head.length + 1));
                byte[] all = new byte[head.length + rest.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(rest, 0, all, head.length, rest.length);
                return read(all, file.toString());
            }
        } catch (IOException e) {
            throw new CaptionException(file + ": cannot read the file (" + e.getMessage() + ")", e);
        }
    }

    /** Reads an image from a stream (at most the byte limit is read); name identifies it in error messages. */
    public BufferedImage read(InputStream in, String name) {
        try {
            long max = maxFileBytes();
            byte[] bytes = in.readNBytes((int) (max + 1));
            if (bytes.length > max) {
                throw new CaptionException(name + ": over the limit of " + max + " bytes for an image (-D"
                        + MAX_BYTES_PROPERTY + "=N)");
            }
            return read(bytes, name);
        } catch (IOException e) {
            throw new CaptionException(name + ": cannot read the stream (" + e.getMessage() + ")", e);
        }
    }

    private static long maxFileBytes() {
        return Math.min(Integer.MAX_VALUE - 16L, Long.getLong(MAX_BYTES_PROPERTY, 256L << 20));
    }

    /** Refuses bytes that start with no supported format's signature (JPEG, PNG, GIF, BMP). */
    static void checkSignature(byte[] b, String name) {
        boolean ok = b.length >= 3 && (b[0] & 255) == 0xFF && (b[1] & 255) == 0xD8 && (b[2] & 255) == 0xFF   // JPEG
                || b.length >= 4 && (b[0] & 255) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                || b.length >= 4 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8'
                || b.length >= 2 && b[0] == 'B' && b[1] == 'M';
        if (!ok) {
            throw new CaptionException(name + ": not an image, or a format caption4j cannot read" + SUPPORTED);
        }
    }

    /** Reads an image from its encoded bytes. */
    public BufferedImage read(byte[] bytes, String name) {
        if (bytes.length == 0) {
            throw new CaptionException(name + ": the file is empty (0 bytes)");
        }
        checkSignature(bytes, name);
        try (ImageInputStream iis = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw new CaptionException(name + ": not an image, or a format caption4j cannot read" + SUPPORTED);
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
                if (w * h > decodePixels) {
                    int k = (int) Math.ceil(Math.sqrt((double) w * h / decodePixels));
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
}
