package io.caption4j.core.image;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** Turns images into the feature maps the decoder attends over. Implementations are safe for concurrent callers. */
public interface ImageEncoder {
    /** Encodes one image. */
    EncodedImage encode(BufferedImage image);

    /** Encodes a batch; implementations run it as one batch where they can. */
    default List<EncodedImage> encodeAll(List<BufferedImage> images) {
        List<EncodedImage> out = new ArrayList<>(images.size());
        for (BufferedImage image : images) {
            out.add(encode(image));
        }
        return out;
    }

    /** A stable identity of the encoder and its weights (model, layer, checksum), saved with trained models. */
    String id();
}
