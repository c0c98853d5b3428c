package io.caption4j.core.internal;

import io.caption4j.core.CaptionException;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J backend check: caption4j's library modules leave the choice of backend to the application (DL4J's
 * convention), so a missing one is the first thing a new user can meet; this turns ND4J's start-up failure into a
 * message that names the dependency to add. Not API.
 */
public final class Backend {
    /** What to add to an application's pom; the README shows the whole consumer pom. */
    public static final String FIX = "add an ND4J backend to your application's dependencies, e.g. "
            + "org.nd4j:nd4j-native-platform:1.0.0-M2.1 (every platform, generic CPU code), or org.nd4j:nd4j-native:1.0.0-M2.1 "
            + "together with the same artifact with classifier linux-x86_64-avx2 (AVX2 CPUs) or linux-x86_64-onednn-avx512 "
            + "(AVX-512 CPUs, fastest); see the README's \"Use as a library\"";
    private static volatile boolean ready;

    private Backend() {
    }

    /** Returns when an ND4J backend is loaded; a CaptionException naming the fix otherwise. */
    public static void require() {
        if (ready) {
            return;
        }
        try {
            Nd4j.getBackend();
            Nd4j.scalar(1.0f).addi(1.0f);          // the native library is loaded and runs on this CPU
            ready = true;
        } catch (Throwable t) {                   // ND4J fails in its static initialiser: an Error, not an Exception
            throw new CaptionException("No usable ND4J backend (" + rootMessage(t) + "): " + FIX, t);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String m = r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage();
        return m.length() > 160 ? m.substring(0, 160) + "..." : m;
    }
}
