package io.caption4j.core.train;

import io.caption4j.core.image.EncoderProvider;
import io.caption4j.core.image.ImageEncoder;

/** Resolves the spec "toy" to the toy encoder (registered for the tests in META-INF/services). */
public final class ToyEncoderProvider implements EncoderProvider {
    @Override
    public ImageEncoder create(String spec) {
        return "toy".equals(spec) ? new ToyData.Encoder() : null;
    }
}
