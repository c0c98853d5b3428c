package io.caption4j.cli.serve;

import java.util.Map;

/**
 * An error answered to the client: an HTTP status and a message written for the client (never an exception's text
 * from inside a library), answered as {@code {"error": message, "status": status}} with the given headers.
 */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final transient Map<String, String> headers;

    HttpError(int status, String message) {
        this(status, message, Map.of());
    }

    HttpError(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = headers;
    }

    /** Why the request was refused, a label for the metrics. */
    String reason() {
        String m = String.valueOf(getMessage());
        switch (status) {
            case 401: return "unauthorized";
            case 408: return "too_slow";
            case 413: return "too_large";
            case 504: return "timeout";
            case 503: return m.contains("memory") ? "out_of_memory" : m.contains("uploads") ? "upload_budget" : "busy";
            default: return status < 500 ? "bad_request" : "error";
        }
    }

    /** 503 with Retry-After: the service is saturated, the request was fine. */
    static HttpError busy(String message) {
        return new HttpError(503, message, Map.of("Retry-After", "1"));
    }
}
