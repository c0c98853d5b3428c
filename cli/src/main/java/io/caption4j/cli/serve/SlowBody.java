package io.caption4j.cli.serve;

import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.io.EofException;

/** Recognises, in an exception's cause chain, a body cut for being too slow or stalled (Jetty's 408 or idle timeout). */
final class SlowBody {
    private SlowBody() {
    }

    static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BadMessageException b && b.getCode() == 408 || t instanceof TimeoutException
                    || t instanceof EofException) {
                return true;
            }
        }
        return false;
    }
}
