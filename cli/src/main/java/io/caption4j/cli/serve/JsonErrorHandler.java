package io.caption4j.cli.serve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own errors (a malformed request line, a URI or headers too long: 400, 414, 431) in the service's JSON shape
 * {@code {"error", "status"}} instead of Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    static String json(int status, String message) {
        return "{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"status\":" + status + "}";
    }

    private static String message(int status, String reason) {
        switch (status) {
            case 414: return "the request URI is too long";
            case 431: return "the request headers are too large";
            case 408: return "the request was not received in time";
            default: return "bad request" + (reason == null || reason.isBlank() ? "" : ": " + reason.toLowerCase());
        }
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
        return ByteBuffer.wrap(json(status, message(status, reason)).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request, HttpServletResponse response,
            int code, String message) throws IOException {
        baseRequest.setHandled(true);
        response.setContentType("application/json");
        response.getOutputStream().write(json(code, message(code, message)).getBytes(StandardCharsets.UTF_8));
    }
}
