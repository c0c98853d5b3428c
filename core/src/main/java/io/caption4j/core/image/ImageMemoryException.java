package io.caption4j.core.image;

import io.caption4j.core.CaptionException;

/** Decoding an image ran out of memory: the image may be fine, the process is short of memory (try again later). */
public final class ImageMemoryException extends CaptionException {
    private static final long serialVersionUID = 1L;

    public ImageMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
