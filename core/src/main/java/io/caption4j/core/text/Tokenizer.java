package io.caption4j.core.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one tokenizer for training captions, evaluation references and hypotheses: lower case, every character
 * that is not a letter or a digit becomes a space (punctuation removed; "dog's" -> "dog s", "t-shirt" ->
 * "t shirt"), then split on whitespace. Thread-safe.
 */
public final class Tokenizer {
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < lower.length(); ) {
            int cp = lower.codePointAt(i);
            if (Character.isLetterOrDigit(cp)) {
                word.appendCodePoint(cp);
            } else if (word.length() > 0) {
                out.add(word.toString());
                word.setLength(0);
            }
            i += Character.charCount(cp);
        }
        if (word.length() > 0) {
            out.add(word.toString());
        }
        return out;
    }
}
