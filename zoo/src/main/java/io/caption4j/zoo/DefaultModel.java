package io.caption4j.zoo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.PretrainedModels;
import io.caption4j.core.internal.Sha256;

/**
 * The default captioner shipped in this jar ({@value #RESOURCE}; see zoo/MODEL_CARD.md): trained by
 * {@code caption4j train} on Flickr8k with the nsfwjs InceptionV3 ({@code mixed5}, 2x2-pooled) and GloVe vectors.
 * Its SHA-256 is checked before loading.
 */
public final class DefaultModel implements PretrainedModels {
    public static final String RESOURCE = "/io/caption4j/zoo/caption4j-flickr8k.zip";
    private static final String NAME = "default model " + RESOURCE;
    public static final String SHA256 = "a933363d6be4a69244888f1fa5390ffccd76a1ba47d793386ae95fb776e429c5";

    /** Loads the default model (the encoder weights come from the nsfwjs package in the cache). */
    public static CaptionModel load() {
        return CaptionModel.load(new ByteArrayInputStream(bytes()), NAME, null);
    }

    /** The default model file's bytes, SHA-256 checked. */
    static byte[] bytes() {
        byte[] bytes;
        try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new CaptionException("The default model " + RESOURCE + " is missing from the caption4j-zoo jar");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new CaptionException("Cannot read the default model: " + e.getMessage(), e);
        }
        return verified(bytes, SHA256);
    }

    /** The bytes, after checking their SHA-256. */
    static byte[] verified(byte[] bytes, String expectedSha256) {
        String sum = Sha256.hex(bytes);
        if (!sum.equals(expectedSha256)) {
            throw new CaptionException("The default model's checksum is " + sum + ", expected " + expectedSha256
                    + ": the jar is damaged");
        }
        return bytes;
    }

    @Override
    public byte[] defaultModelBytes() {
        return bytes();
    }

    @Override
    public String defaultModelName() {
        return NAME;
    }
}
