package io.caption4j.core.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Object-mention precision and recall: whether a caption names the things its image's references agree on.
 * A word is present in an image when at least {@link #MIN_REFERENCES} of its references contain it; a caption
 * mentions it when the caption's tokens contain it. Tokens are compared as given (tokenize both the same way).
 */
public final class ObjectMentions {
    /** References that must contain a word for it to count as present in the image. */
    public static final int MIN_REFERENCES = 3;
    /** Frequent visual nouns of Flickr8k and COCO. */
    public static final List<String> DEFAULT_WORDS = List.of("dog", "dogs", "man", "woman", "boy", "girl", "child",
            "people", "water", "snow", "grass", "beach", "ball", "bike", "rock");

    /** One word's counts: images where present, captions that mention it, and captions that mention it correctly. */
    public record Row(String word, int present, int mentioned, int correct) {
        /** Correct mentions over mentions (NaN without mentions). */
        public double precision() {
            return mentioned == 0 ? Double.NaN : (double) correct / mentioned;
        }

        /** Correct mentions over images where present (NaN when never present). */
        public double recall() {
            return present == 0 ? Double.NaN : (double) correct / present;
        }
    }

    private ObjectMentions() {
    }

    /**
     * One row per word.
     * @param hypotheses one tokenized caption per image
     * @param references the tokenized references of each image, in the same order
     */
    public static List<Row> score(List<List<String>> hypotheses, List<List<List<String>>> references, List<String> words) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " captions but " + references.size() + " reference sets");
        }
        List<Row> rows = new ArrayList<>();
        for (String w : words) {
            int present = 0, mentioned = 0, correct = 0;
            for (int i = 0; i < hypotheses.size(); i++) {
                int refs = 0;
                for (List<String> r : references.get(i)) {
                    if (r.contains(w)) {
                        refs++;
                    }
                }
                boolean isPresent = refs >= MIN_REFERENCES;
                boolean says = new HashSet<>(hypotheses.get(i)).contains(w);
                present += isPresent ? 1 : 0;
                mentioned += says ? 1 : 0;
                correct += isPresent && says ? 1 : 0;
            }
            rows.add(new Row(w, present, mentioned, correct));
        }
        return rows;
    }

    /** Micro-averaged totals over the rows, as a row named "all". */
    public static Row total(List<Row> rows) {
        int p = 0, m = 0, c = 0;
        for (Row r : rows) {
            p += r.present();
            m += r.mentioned();
            c += r.correct();
        }
        return new Row("all", p, m, c);
    }

    /** A Markdown table of the rows and their total. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder("| word | present | mentioned | correct | precision | recall |\n"
                + "|---|---|---|---|---|---|\n");
        List<Row> all = new ArrayList<>(rows);
        all.add(total(rows));
        for (Row r : all) {
            sb.append(String.format("| %s | %d | %d | %d | %.2f | %.2f |%n", r.word(), r.present(), r.mentioned(), r.correct(),
                    r.precision(), r.recall()));
        }
        return sb.toString();
    }

}
