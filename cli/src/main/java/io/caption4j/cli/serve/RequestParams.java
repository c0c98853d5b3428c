package io.caption4j.cli.serve;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import io.caption4j.core.decode.DecodeOptions;

/**
 * The parameters of a {@code /v1/captions} request, from the query string or (for multipart uploads) the form
 * fields: the decoding ({@code strategy}, {@code beam}, {@code temperature}, {@code top_k}, {@code seed},
 * {@code max_length}) and the flags ({@code attention}, {@code batch}). A bad value is an
 * {@link IllegalArgumentException} whose message names the parameter (and shows at most 40 characters of the value),
 * for a 400.
 */
final class RequestParams {
    static final double MAX_TEMPERATURE = 100;
    static final int MAX_TOP_K = 100_000;

    private final Function<String, String> source;

    /** source: a parameter's value by name, or null (the query string, then a multipart request's form fields). */
    RequestParams(Function<String, String> source) {
        this.source = source;
    }

    /**
     * The decoding asked for, on top of the model's defaults: {@code strategy=greedy|beam|sample}; without a strategy,
     * {@code temperature}, {@code top_k} or {@code seed} mean sampling and {@code beam=K} beam search of width K
     * (greedy when 1). Sampling without a seed draws one, which {@link #describe(DecodeOptions)} reports.
     */
    DecodeOptions decodeOptions(DecodeOptions defaults, int maxBeam, int maxLength) {
        String strategy = get("strategy");
        Integer beam = intParam("beam", 1, maxBeam);
        Integer max = intParam("max_length", 1, maxLength);
        Double temperature = doubleParam("temperature", MAX_TEMPERATURE);
        Integer topK = intParam("top_k", 0, MAX_TOP_K);
        Long seed = longParam("seed");
        boolean sampling = temperature != null || topK != null || seed != null;
        DecodeOptions.Strategy s;
        if (strategy == null || strategy.isBlank()) {
            s = sampling ? DecodeOptions.Strategy.SAMPLE : beam != null ? DecodeOptions.Strategy.BEAM : null;
        } else {
            try {
                s = DecodeOptions.Strategy.valueOf(strategy.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("strategy must be greedy, beam or sample, got '" + shown(strategy) + "'");
            }
        }
        if (sampling && s != DecodeOptions.Strategy.SAMPLE) {
            throw new IllegalArgumentException("temperature, top_k and seed only apply to strategy=sample");
        }
        DecodeOptions o;
        if (s == null) {
            o = defaults;
        } else if (s == DecodeOptions.Strategy.GREEDY) {
            o = DecodeOptions.greedy();
        } else if (s == DecodeOptions.Strategy.BEAM) {
            int k = defaults.strategy == DecodeOptions.Strategy.BEAM ? defaults.beamSize : Math.min(3, maxBeam);
            o = DecodeOptions.beam(beam != null ? beam : k);
        } else {
            o = DecodeOptions.sample(temperature != null ? temperature : 1.0, topK != null ? topK : 0,     // a drawn seed
                    seed != null ? seed : ThreadLocalRandom.current().nextLong(1L << 48)); // stays exact in JavaScript
        }
        return o.withModelDefaults(defaults).withMaxLength(max != null ? max : defaults.maxLength);
    }

    /**
     * The decoding as the response reports it: strategy, beam, max_length, the model's n-gram blocking if any, and the
     * sampling's settings and seed.
     */
    static Map<String, Object> describe(DecodeOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", o.strategy.name().toLowerCase(Locale.ROOT));
        m.put("beam", o.beamSize);
        m.put("max_length", o.maxLength);
        if (o.noRepeatNgram > 0) {
            m.put("no_repeat_ngram", o.noRepeatNgram);
        }
        if (o.strategy == DecodeOptions.Strategy.BEAM) {
            m.put("length_penalty", o.lengthPenalty);
        }
        if (o.strategy == DecodeOptions.Strategy.SAMPLE) {
            m.put("temperature", o.temperature);
            m.put("top_k", o.topK);
            m.put("seed", o.seed);
        }
        return m;
    }

    /** A true/false flag (also 1/0, yes/no, or present without a value: true); absent: false. */
    boolean flag(String name) {
        String v = get(name);
        if (v == null) {
            return false;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "", "true", "1", "yes", "on":
                return true;
            case "false", "0", "no", "off":
                return false;
            default:
                throw new IllegalArgumentException(name + " must be true or false, got '" + shown(v) + "'");
        }
    }

    private String get(String name) {
        try {
            return source.apply(name);
        } catch (IllegalArgumentException e) {             // a malformed %-escape in the query string
            throw new IllegalArgumentException("the query string is malformed (a bad %-escape?)");
        }
    }

    /** A value as an error message shows it: at most 40 characters. */
    private static String shown(String v) {
        return v.length() > 40 ? v.substring(0, 40) + "..." : v;
    }

    private Integer intParam(String name, int min, int max) {
        String v = get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            int i = Integer.parseInt(v.trim());
            if (i < min || i > max) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + i);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + shown(v) + "'");
        }
    }

    private Double doubleParam(String name, double max) {
        String v = get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!(d > 0 && d <= max)) {
                throw new IllegalArgumentException(name + " must be above 0 and at most " + (int) max + ", got "
                        + shown(v.trim()));
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + shown(v) + "'");
        }
    }

    private Long longParam(String name) {
        String v = get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + shown(v) + "'");
        }
    }
}
