package io.caption4j.spark;

import io.caption4j.core.image.ImageEncoder;
import io.caption4j.zoo.InceptionEncoders;

/**
 * The executor's image encoder of a spec: {@link InceptionEncoders} already keeps one per spec and JVM, so every task of
 * an executor shares the one loaded by its first task.
 */
final class ExecutorEncoders {
    private ExecutorEncoders() {
    }

    static ImageEncoder get(String spec) {
        return InceptionEncoders.of(spec);
    }
}
