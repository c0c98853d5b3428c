package io.caption4j.zoo.inception;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keras' {@code inception_v3.preprocess_input}: RGB, resized to size x size with bilinear interpolation
 * (Java2D's, over the whole image: the aspect ratio is not kept), then {@code x / 127.5 - 1} into [-1, 1].
 * Any BufferedImage type works: grayscale and palette images are converted to RGB, 16-bit channels are
 * reduced to 8 bits, and an alpha channel is composited over white.
 */
public final class InceptionPreprocessor {
    private final int size;

    public InceptionPreprocessor(int size) {
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** The image as 8-bit RGB, size x size, alpha composited over white. */
    BufferedImage resize(BufferedImage image) {
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

    /** A batch as [B, 3, size, size] (NCHW) in [-1, 1]. */
    public INDArray toTensor(List<BufferedImage> images) {
        int n = images.size(), plane = size * size;
        float[] data = new float[n * 3 * plane];
        for (int b = 0; b < n; b++) {
            BufferedImage rgb = resize(images.get(b));
            int[] px = rgb.getRGB(0, 0, size, size, null, 0, size);
            int base = b * 3 * plane;
            for (int i = 0; i < plane; i++) {
                int p = px[i];
                data[base + i] = ((p >> 16) & 0xFF) / 127.5f - 1f;
                data[base + plane + i] = ((p >> 8) & 0xFF) / 127.5f - 1f;
                data[base + 2 * plane + i] = (p & 0xFF) / 127.5f - 1f;
            }
        }
        return Nd4j.create(data, new long[]{n, 3, size, size}, DataType.FLOAT);
    }
}
