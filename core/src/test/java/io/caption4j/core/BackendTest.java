package io.caption4j.core;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.caption4j.core.internal.Backend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A consumer without an ND4J backend gets one line that names the dependency to add, not ND4J's start-up trace. */
class BackendTest {
    @Test
    void withoutABackendTheFirstCallSaysWhichDependencyToAdd() throws Exception {
        Backend.require();                                                     // here, with the test backend: fine
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !Path.of(e).getFileName().toString().startsWith("nd4j-native"))
                .collect(Collectors.joining(File.pathSeparator));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
                BackendProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertTrue(out.contains("CaptionException: No usable ND4J backend") && out.contains("nd4j-native-platform"), out);
    }
}
