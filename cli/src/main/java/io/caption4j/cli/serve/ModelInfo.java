package io.caption4j.cli.serve;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.decode.DecodeOptions;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * What {@code GET /v1/models} says about the served model: its name and file's SHA-256, encoder, vocabulary size,
 * parameters, pool window, decoding defaults, the server's limits, and the training configuration of its model card.
 */
public final class ModelInfo {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String sha256;

    /** name: the model file's name (or the built-in model's); sha256: of the model file's bytes, or null if unknown. */
    public ModelInfo(String name, String sha256) {
        this.name = name;
        this.sha256 = sha256;
    }

    Map<String, Object> describe(CaptionModel model, CaptionServer.Limits limits) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("sha256", sha256);
        m.put("encoder", model.encoder().id());
        m.put("vocabulary_size", model.vocabulary().size());
        m.put("decoders", model.networks().size());
        m.put("parameters", model.networks().stream().mapToLong(n -> n.params().length()).sum());
        m.put("pool_window", model.poolWindow());
        DecodeOptions d = model.defaultOptions();
        m.put("beam", d.beamSize);
        m.put("max_length", d.maxLength);
        m.put("no_repeat_ngram", d.noRepeatNgram);
        m.put("length_penalty", d.lengthPenalty);
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("max_beam", limits.maxBeam);
        l.put("max_length", limits.maxLength);
        l.put("max_batch", limits.maxBatch);
        l.put("max_upload_bytes", limits.maxUploadBytes);
        m.put("limits", l);
        String training = model.trainingConfig();
        if (training != null) {
            try {
                m.put("training", JSON.readTree(training));
            } catch (IOException e) {
                m.put("training", null);
            }
        }
        return m;
    }
}
