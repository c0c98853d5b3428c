package io.caption4j.zoo.tfjs;

/**
 * Turns a minified JavaScript object literal (as the TF.js model bundles in npm packages carry it) into JSON:
 * unquoted keys get quotes, {@code !0} / {@code !1} become true / false, and {@code .5} becomes {@code 0.5}.
 * Strings are copied unchanged. Enough for data literals; not a JavaScript parser.
 */
public final class JsLiteral {
    private JsLiteral() {
    }

    /** The literal that starts at {@code start} (a '{' or '['), up to its matching bracket. */
    public static String extract(String source, int start) {
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < source.length(); i++) {
            char c = source.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    return source.substring(start, i + 1);
                }
            }
        }
        throw new IllegalArgumentException("Unterminated object literal starting at offset " + start);
    }

    /** JSON for a JavaScript data literal. */
    public static String toJson(String js) {
        StringBuilder out = new StringBuilder(js.length() + js.length() / 8);
        int n = js.length();
        for (int k = 0; k < n; ) {
            char c = js.charAt(k);
            if (c == '"') {
                int e = k + 1;
                while (e < n && js.charAt(e) != '"') {
                    e += js.charAt(e) == '\\' ? 2 : 1;
                }
                out.append(js, k, Math.min(n, e + 1));
                k = e + 1;
            } else if (c == '!' && k + 1 < n && (js.charAt(k + 1) == '0' || js.charAt(k + 1) == '1')) {
                out.append(js.charAt(k + 1) == '0' ? "true" : "false");
                k += 2;
            } else if (Character.isLetter(c) || c == '_' || c == '$') {
                int e = k;
                while (e < n && (Character.isLetterOrDigit(js.charAt(e)) || js.charAt(e) == '_' || js.charAt(e) == '$')) {
                    e++;
                }
                String word = js.substring(k, e);
                boolean key = e < n && js.charAt(e) == ':';
                out.append(key ? '"' + word + '"' : word);
                k = e;
            } else if (c == '.' && k + 1 < n && Character.isDigit(js.charAt(k + 1))
                    && (k == 0 || !Character.isDigit(js.charAt(k - 1)))) {
                out.append("0.");
                k++;
            } else {
                out.append(c);
                k++;
            }
        }
        return out.toString();
    }
}
