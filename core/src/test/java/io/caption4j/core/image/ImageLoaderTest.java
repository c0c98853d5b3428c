package io.caption4j.core.image;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

import io.caption4j.core.CaptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/** Reading every supported format and image type, and clear errors for bad files. */
class ImageLoaderTest {
    final ImageLoader loader = new ImageLoader();

    static BufferedImage photoLike(int type, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(200, 40, 40, 255));
        g.fillRect(0, 0, w / 2, h);
        g.setColor(new Color(40, 40, 200, 255));
        g.fillRect(w / 2, 0, w - w / 2, h);
        g.dispose();
        return img;
    }

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        return out.toByteArray();
    }

    /** The image as 8-bit RGB, size x size, with bilinear interpolation (as the encoders' preprocessing resizes). */
    static BufferedImage resize(BufferedImage image, int size) {
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, size, size);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(image, 0, 0, size, size, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    BufferedImage fixture(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/fixtures/images/" + name)) {
            return loader.read(in, name);
        }
    }

    @Test
    void readsJpegPngBmpGif() throws Exception {
        for (String format : new String[]{"jpg", "png", "bmp", "gif"}) {
            BufferedImage img = loader.read(encode(photoLike(BufferedImage.TYPE_INT_RGB, 40, 30), format), "x." + format);
            assertEquals(40, img.getWidth(), format);
            assertEquals(30, img.getHeight(), format);
            Color left = new Color(img.getRGB(5, 15)), right = new Color(img.getRGB(35, 15));
            assertTrue(left.getRed() > 150 && right.getBlue() > 150, format + " pixels");
        }
    }

    @Test
    void readsProgressiveAndCmykJpegAndTheFirstGifFrame() throws Exception {
        BufferedImage progressive = fixture("progressive.jpg");
        assertEquals(48, progressive.getWidth());
        BufferedImage cmyk = fixture("cmyk.jpg");
        assertEquals(48, cmyk.getWidth());
        assertEquals(32, cmyk.getHeight());
        // the CMYK file is the same photo: after conversion its colours are close to the RGB one's
        BufferedImage a = resize(progressive, 8), b = resize(cmyk, 8);
        double diff = 0;
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                Color ca = new Color(a.getRGB(x, y)), cb = new Color(b.getRGB(x, y));
                diff += Math.abs(ca.getRed() - cb.getRed()) + Math.abs(ca.getGreen() - cb.getGreen())
                        + Math.abs(ca.getBlue() - cb.getBlue());
            }
        }
        assertTrue(diff / 64 / 3 < 40, "CMYK decoded far from RGB: mean abs difference " + diff / 64 / 3);
        BufferedImage gif = fixture("two_frames.gif");
        assertEquals(new Color(255, 0, 0), new Color(gif.getRGB(3, 3)), "first frame is red");
    }

    @Test
    void sixteenBitPngReads() throws Exception {
        BufferedImage img = loader.read(encode(photoLike(BufferedImage.TYPE_USHORT_GRAY, 10, 10), "png"), "g16.png");
        assertEquals(10, img.getWidth());
    }

    @Test
    void emptyNonImageAndMissingFiles(@TempDir Path dir) throws Exception {
        Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        assertMessage(() -> loader.read(empty), "empty.jpg", "empty");
        Path text = Files.writeString(dir.resolve("notes.jpg"), "this is not an image");
        assertMessage(() -> loader.read(text), "notes.jpg", "not an image");
        assertMessage(() -> loader.read(dir.resolve("nothing.png")), "nothing.png", "no such file");
    }

    @Test
    void truncatedJpeg(@TempDir Path dir) throws Exception {
        byte[] jpeg = encode(photoLike(BufferedImage.TYPE_INT_RGB, 64, 64), "jpg");
        Path cut = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        assertMessage(() -> loader.read(cut), "cut.jpg", "truncated or corrupt");
    }

    @Test
    void hugeHeaderIsRefusedBeforeDecoding(@TempDir Path dir) throws Exception {
        Path huge = Files.write(dir.resolve("huge.png"), pngHeader(50000, 50000));
        assertMessage(() -> loader.read(huge), "huge.png", "50000x50000");
        // a smaller limit applies to ordinary images too
        byte[] small = encode(photoLike(BufferedImage.TYPE_INT_RGB, 20, 20), "png");
        assertMessage(() -> new ImageLoader(100).read(small, "small.png"), "small.png", "above the limit of 100");
    }

    @Test
    void largeImagesDecodeSubsampledWithinTheBudget(@TempDir Path dir) throws Exception {
        byte[] png = encode(photoLike(BufferedImage.TYPE_INT_RGB, 400, 300), "png");
        BufferedImage full = loader.read(png, "big.png");
        assertEquals(400, full.getWidth());
        ImageLoader small = new ImageLoader(1_000_000, 10_000, 1 << 20);
        for (BufferedImage img : new BufferedImage[]{small.read(png, "big.png"),
                small.read(Files.write(dir.resolve("big.png"), png))}) {
            assertTrue((long) img.getWidth() * img.getHeight() <= 10_000, img.getWidth() + "x" + img.getHeight());
            assertEquals(400.0 / 300, (double) img.getWidth() / img.getHeight(), 0.05, "the aspect ratio stays");
            Color left = new Color(img.getRGB(5, img.getHeight() / 2));
            Color right = new Color(img.getRGB(img.getWidth() - 5, img.getHeight() / 2));
            assertTrue(left.getRed() > 150 && right.getBlue() > 150, "the same picture, fewer pixels");
        }
        assertEquals(1, ImageLoader.subsampling(100, 100, 10_000));
        assertEquals(2, ImageLoader.subsampling(101, 100, 10_000));
        assertEquals(100, ImageLoader.subsampling(10_000, 10_000, 10_000));
    }

    @Test
    void filesAreCheckedBySizeAndFirstBytesBeforeTheyAreRead(@TempDir Path dir) throws Exception {
        ImageLoader tiny = new ImageLoader(1_000_000, 1_000_000, 1000);
        byte[] png = encode(photoLike(BufferedImage.TYPE_INT_RGB, 40, 40), "png");
        assertTrue(png.length < 1000);
        assertEquals(40, tiny.read(Files.write(dir.resolve("ok.png"), png)).getWidth());
        Path big = Files.write(dir.resolve("big.png"), Arrays.copyOf(png, 5000));
        assertMessage(() -> tiny.read(big), "big.png", "5000 bytes, above the image file limit of 1000");
        assertMessage(() -> tiny.read(new java.io.ByteArrayInputStream(new byte[5000]), "stream"), "stream",
                "above the image file limit of 1000");
        // a 3 GB sparse file of zeros is refused by its size, and by its first bytes with a higher limit: never read
        Path sparse = dir.resolve("sparse.jpg");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        long t0 = System.nanoTime();
        assertMessage(() -> loader.read(sparse), "sparse.jpg", "above the image file limit");
        assertMessage(() -> new ImageLoader(1, 1, 4L << 30).read(sparse), "sparse.jpg", "not an image");
        assertTrue(System.nanoTime() - t0 < 5e9, "3 GB not read");
        byte[] tiff = encode(photoLike(BufferedImage.TYPE_INT_RGB, 8, 8), "tiff");
        assertMessage(() -> loader.read(tiff, "x.tif"), "x.tif", "TIFF images are not supported");
        assertMessage(() -> loader.read(dir), dir.toString(), "is a directory");
    }

    /** A PNG signature and IHDR chunk (and a truncated IDAT) claiming width x height. */
    static byte[] pngHeader(int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        DataOutputStream c = new DataOutputStream(chunk);
        c.writeBytes("IHDR");
        c.writeInt(width);
        c.writeInt(height);
        c.write(new byte[]{8, 2, 0, 0, 0});
        byte[] data = chunk.toByteArray();
        out.writeInt(13);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(data);
        out.writeInt((int) crc.getValue());
        out.writeInt(100);
        out.writeBytes("IDAT");
        out.write(new byte[20]);
        return bytes.toByteArray();
    }

    static void assertMessage(Executable call, String... parts) {
        CaptionException e = assertThrows(CaptionException.class, call);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void decodesImagesOverTheBudgetSubsampled() throws IOException {
        byte[] png = encode(photoLike(BufferedImage.TYPE_INT_RGB, 400, 300), "png");
        BufferedImage sub = new ImageLoader(ImageLoader.DEFAULT_MAX_PIXELS, 10_000).read(png, "big.png");
        assertEquals(100, sub.getWidth());                      // every 4th pixel: the smallest step within 10,000
        assertEquals(75, sub.getHeight());
        assertEquals(new Color(200, 40, 40).getRGB(), sub.getRGB(10, 10));
        assertEquals(new Color(40, 40, 200).getRGB(), sub.getRGB(90, 70));
        assertEquals(400, new ImageLoader(ImageLoader.DEFAULT_MAX_PIXELS, 120_000).read(png, "fits.png").getWidth());
    }

    @Test
    void fileSizeAndSignatureAreCheckedBeforeReadingWhole(@TempDir Path dir) throws IOException {
        Path png = Files.write(dir.resolve("a.png"), encode(photoLike(BufferedImage.TYPE_INT_RGB, 64, 64), "png"));
        Path text = Files.write(dir.resolve("notes.jpg"), "hello, not a picture".repeat(1000).getBytes());
        assertMessage(() -> loader.read(text), "notes.jpg", "not an image");
        assertMessage(() -> loader.read(new java.io.ByteArrayInputStream(Files.readAllBytes(text)), "s"), "not an image");
        assertMessage(() -> loader.read(dir), "a directory");
        System.setProperty(ImageLoader.MAX_FILE_BYTES_PROPERTY, "100");      // read when a loader is made
        try {
            ImageLoader small = new ImageLoader();
            assertMessage(() -> small.read(png), "a.png", "above the image file limit of 100");
            assertMessage(() -> small.read(Files.newInputStream(png), "stream"), "above the image file limit of 100");
        } finally {
            System.clearProperty(ImageLoader.MAX_FILE_BYTES_PROPERTY);
        }
        assertEquals(64, loader.read(png).getWidth());
    }
}
