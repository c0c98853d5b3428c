package io.caption4j.core.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** n-gram counts of a token list, n = 1..maxN, keyed by the words joined with a space. */
final class NGrams {
    private NGrams() {
    }

    static Map<String, Integer> count(List<String> tokens, int maxN) {
        Map<String, Integer> out = new HashMap<>();
        for (int n = 1; n <= maxN; n++) {
            for (int i = 0; i + n <= tokens.size(); i++) {
                out.merge(n + "|" + String.join(" ", tokens.subList(i, i + n)), 1, Integer::sum);
            }
        }
        return out;
    }

    /** The n of a key made by {@link #count}. */
    static int order(String key) {
        return Integer.parseInt(key.substring(0, key.indexOf('|')));
    }
}
