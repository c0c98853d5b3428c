package io.caption4j.core.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.caption4j.core.CaptionException;

/**
 * Word to id and back. Ids 0-3 are the special tokens {@code <pad>}, {@code <start>}, {@code <end>}, {@code <unk>};
 * words follow by descending count (ties alphabetical), so building is deterministic. Immutable, thread-safe.
 * Saved as plain UTF-8 text, one word per line in id order ({@link #toText()}).
 */
public final class Vocabulary {
    public static final String PAD = "<pad>", START = "<start>", END = "<end>", UNK = "<unk>";
    public static final int PAD_ID = 0, START_ID = 1, END_ID = 2, UNK_ID = 3;
    private static final List<String> SPECIALS = List.of(PAD, START, END, UNK);

    private final List<String> words;
    private final Map<String, Integer> ids;

    private Vocabulary(List<String> words) {
        this.words = Collections.unmodifiableList(new ArrayList<>(words));
        this.ids = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            if (ids.put(words.get(i), i) != null) {
                throw new CaptionException("Vocabulary has the word '" + words.get(i) + "' twice");
            }
        }
        for (int i = 0; i < SPECIALS.size(); i++) {
            if (words.size() <= i || !words.get(i).equals(SPECIALS.get(i))) {
                throw new CaptionException("Vocabulary must start with " + SPECIALS + ", got "
                        + words.subList(0, Math.min(4, words.size())));
            }
        }
    }

    /**
     * Builds from tokenized captions: words seen at least minCount times, at most maxWords of them (0 = no
     * limit; the special tokens are not counted).
     */
    public static Vocabulary build(Iterable<List<String>> captions, int minCount, int maxWords) {
        if (minCount < 1 || maxWords < 0) {
            throw new IllegalArgumentException("minCount must be >= 1 and maxWords >= 0, got " + minCount + ", " + maxWords);
        }
        Map<String, Integer> counts = new HashMap<>();
        for (List<String> c : captions) {
            for (String w : c) {
                counts.merge(w, 1, Integer::sum);
            }
        }
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.removeIf(e -> e.getValue() < minCount || SPECIALS.contains(e.getKey()));
        entries.sort(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue).reversed()
                .thenComparing(Map.Entry::getKey));
        List<String> words = new ArrayList<>(SPECIALS);
        for (Map.Entry<String, Integer> e : entries) {
            if (maxWords > 0 && words.size() - SPECIALS.size() >= maxWords) {
                break;
            }
            words.add(e.getKey());
        }
        return new Vocabulary(words);
    }

    /** A vocabulary of the given words in id order (they must start with the special tokens). */
    public static Vocabulary of(List<String> words) {
        return new Vocabulary(words);
    }

    public int size() {
        return words.size();
    }

    /** The word's id, or {@link #UNK_ID}. */
    public int id(String word) {
        return ids.getOrDefault(word, UNK_ID);
    }

    public boolean contains(String word) {
        return ids.containsKey(word);
    }

    public String word(int id) {
        if (id < 0 || id >= words.size()) {
            throw new IllegalArgumentException("Token id " + id + " is outside the vocabulary [0, " + words.size() + ")");
        }
        return words.get(id);
    }

    /** The words in id order. */
    public List<String> words() {
        return words;
    }

    /** {@code <start>} w1 ... wn {@code <end>} as ids. */
    public int[] encode(List<String> tokens) {
        int[] out = new int[tokens.size() + 2];
        out[0] = START_ID;
        for (int i = 0; i < tokens.size(); i++) {
            out[i + 1] = id(tokens.get(i));
        }
        out[out.length - 1] = END_ID;
        return out;
    }

    /** The words of ids up to the first {@code <end>}, without special tokens. */
    public List<String> decode(int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            if (id == END_ID) {
                break;
            }
            if (id != START_ID && id != PAD_ID) {
                out.add(word(id));
            }
        }
        return out;
    }

    /** The saved form: the words in id order, one a line (no line break after the last). */
    public String toText() {
        return String.join("\n", words);
    }

    /** A vocabulary of its saved form ({@link #toText()}; empty lines are ignored). */
    public static Vocabulary fromText(String text) {
        return new Vocabulary(text.lines().filter(line -> !line.isEmpty()).collect(Collectors.toList()));
    }

    public void save(Path file) throws IOException {
        Files.writeString(file, toText() + "\n", StandardCharsets.UTF_8);
    }

    public static Vocabulary load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CaptionException(file + ": cannot read the vocabulary (" + e.getMessage() + ")", e);
        }
        try {
            return fromText(text);
        } catch (CaptionException e) {
            throw new CaptionException(file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary && ((Vocabulary) o).words.equals(words);
    }

    @Override
    public int hashCode() {
        return words.hashCode();
    }
}
