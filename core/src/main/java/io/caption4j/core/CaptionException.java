package io.caption4j.core;

/**
 * caption4j's own exception for bad input and missing or corrupt assets: its message names the file (or
 * input) and the problem, and where useful how to fix it.
 */
public class CaptionException extends RuntimeException {
    public CaptionException(String message) {
        super(message);
    }

    public CaptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
