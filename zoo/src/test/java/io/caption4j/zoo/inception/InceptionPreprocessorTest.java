package io.caption4j.zoo.inception;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.*;

/** Keras' inception_v3 preprocessing of every image type. */
class InceptionPreprocessorTest {
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

    @Test
    void everyImageTypeBecomesRgbInMinusOneToOne() {
        InceptionPreprocessor pre = new InceptionPreprocessor(299);
        int[] types = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_BYTE_GRAY,
                BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_3BYTE_BGR,
                BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_USHORT_565_RGB, BufferedImage.TYPE_BYTE_BINARY};
        for (int type : types) {
            INDArray x = pre.toTensor(List.of(photoLike(type, 50, 20)));
            assertArrayEquals(new long[]{1, 3, 299, 299}, x.shape());
            assertTrue(x.minNumber().doubleValue() >= -1 && x.maxNumber().doubleValue() <= 1, "range for type " + type);
        }
        // transparent pixels are composited over white
        BufferedImage clear = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
        INDArray white = pre.toTensor(List.of(clear));
        assertEquals(1.0, white.minNumber().doubleValue(), 1e-6);
        // 1x1 images work
        assertEquals(3 * 299 * 299, pre.toTensor(List.of(photoLike(BufferedImage.TYPE_INT_RGB, 1, 1))).length());
        // the scaling is x / 127.5 - 1 on the RGB values
        BufferedImage px = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        px.setRGB(0, 0, new Color(0, 255, 51).getRGB());
        INDArray one = new InceptionPreprocessor(1).toTensor(List.of(px));
        assertArrayEquals(new float[]{-1f, 1f, 51 / 127.5f - 1}, one.reshape(3).toFloatVector(), 1e-6f);
    }
}
