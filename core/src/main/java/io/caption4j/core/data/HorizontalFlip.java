package io.caption4j.core.data;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.caption4j.core.image.EncodedImage;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Horizontal-flip augmentation on encoded images: the grid's columns in reverse order (the features of a mirrored
 * photo, up to the encoder's own asymmetry) with "left" and "right" swapped in the caption, so the words stay true.
 * The pooled vector, a spatial mean, is unchanged.
 */
public final class HorizontalFlip {
    private static final Pattern LEFT_RIGHT = Pattern.compile("\\b(left|right)\\b", Pattern.CASE_INSENSITIVE);

    private HorizontalFlip() {
    }

    /** The image with its grid mirrored left to right. */
    public static EncodedImage flip(EncodedImage e) {
        int h = e.gridHeight(), w = e.gridWidth(), c = (int) e.channels();
        float[] src = e.spatial().castTo(DataType.FLOAT).dup('c').data().asFloat();   // [h*w, c]
        float[] dst = new float[src.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, (y * w + x) * c, dst, (y * w + (w - 1 - x)) * c, c);
            }
        }
        INDArray spatial = Nd4j.create(dst, new long[]{(long) h * w, c}, DataType.FLOAT);  // [regions, channels]
        return new EncodedImage(spatial, e.pooled(), h, w);
    }

    /** The caption with the words "left" and "right" swapped (whole words, any case; "leftover" stays). */
    public static String swapLeftRight(String caption) {
        Matcher m = LEFT_RIGHT.matcher(caption);
        StringBuilder out = new StringBuilder(caption.length());
        while (m.find()) {
            String word = m.group(1);
            String swapped = word.equalsIgnoreCase("left") ? "right" : "left";
            if (Character.isUpperCase(word.charAt(0))) {
                swapped = Character.toUpperCase(swapped.charAt(0)) + swapped.substring(1);
            }
            m.appendReplacement(out, swapped);
        }
        m.appendTail(out);
        return out.toString();
    }
}
