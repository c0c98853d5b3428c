package io.caption4j.cli.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.caption4j.core.Caption;

/**
 * A caption as the API answers it: {@code caption, tokens, logprob, ms} ({@code ms}: decoding the image and captioning
 * it, for a batch the whole batch's), and with {@code attention=true} the
 * per-word attention, {@code {"height": H, "width": W, "alphas": [[H*W floats, row-major], one per token]}}, each
 * map {@link Caption#attention(int)} of that word (it sums to 1), for drawing the paper's figure client-side.
 */
final class CaptionJson {
    private CaptionJson() {
    }

    static Map<String, Object> of(Caption c, boolean withAttention, long ms) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("caption", c.text());
        body.put("tokens", c.tokens());
        body.put("logprob", c.logProb());
        body.put("ms", ms);
        if (withAttention) {
            body.put("attention", attention(c));
        }
        return body;
    }

    static Map<String, Object> attention(Caption c) {
        int h = c.gridHeight(), w = c.gridWidth();
        List<float[]> alphas = new ArrayList<>();
        for (int i = 0; i < c.tokens().size(); i++) {
            float[][] map = c.attention(i);                     // [h][w]
            float[] flat = new float[h * w];                    // [h * w], row-major
            for (int y = 0; y < h; y++) {
                System.arraycopy(map[y], 0, flat, y * w, w);
            }
            alphas.add(flat);
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("height", h);
        a.put("width", w);
        a.put("alphas", alphas);
        return a;
    }
}
