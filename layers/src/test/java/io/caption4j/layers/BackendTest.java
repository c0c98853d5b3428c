package io.caption4j.layers;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The build puts exactly one native ND4J build on the classpath, the selected classifier. */
class BackendTest {

    @Test
    void exactlyOneNativeBackendJar() {
        List<String> natives = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> new File(p).getName())
                .filter(n -> n.matches("nd4j-(native|cuda)-[0-9.]*-?1\\.0\\.0-M2\\.1-.+\\.jar"))
                .collect(Collectors.toList());
        assertEquals(1, natives.size(), "native ND4J jars on the classpath: " + natives);
        String selected = System.getProperty("caption4j.expectedClassifier");
        if (selected != null && !selected.isEmpty()) {
            assertTrue(natives.get(0).endsWith(selected + ".jar"), natives + " is not the selected " + selected);
        }
        assertTrue(Nd4j.getExecutioner().getEnvironmentInformation().get("backend").toString().length() > 0);
    }
}
