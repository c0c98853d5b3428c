package io.caption4j.cli.serve;

import java.util.LinkedHashMap;
import java.util.Map;

import io.caption4j.core.CaptionModel;

/** What {@code GET /v1/models} says about the served model: its name, encoder, vocabulary size and file's SHA-256. */
public final class ModelInfo {
    private final String name;
    private final String sha256;

    /** name: the model file's name (or the built-in model's); sha256: of the model file's bytes, or null if unknown. */
    public ModelInfo(String name, String sha256) {
        this.name = name;
        this.sha256 = sha256;
    }

    Map<String, Object> describe(CaptionModel model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("encoder", model.encoder().id());
        m.put("vocabulary_size", model.vocabulary().size());
        m.put("sha256", sha256);
        m.put("beam", model.defaultOptions().beamSize);
        m.put("max_length", model.defaultOptions().maxLength);
        return m;
    }
}
