package io.caption4j.zoo;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import io.caption4j.core.CaptionException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds an embedding matrix for a vocabulary from pretrained word vectors: GloVe text (plain or .gz),
 * word2vec text (a "count dim" header line, then GloVe-like lines) and word2vec binary. Files are streamed:
 * only the vectors of vocabulary words are kept, so a 1 GB file needs no more heap than those vectors.
 * <ul>
 * <li>a vocabulary word found as it is gets its vector; else one found with other letter case (GloVe 6B is
 *     lower case);</li>
 * <li>{@code <pad>} gets zeros;</li>
 * <li>other words (special tokens such as {@code <start>}, {@code <end>}, {@code <unk>}, and words the file
 *     lacks) get N(0, 0.1^2) values from the given seed, or zeros with {@link Unknown#ZERO}.</li>
 * </ul>
 */
public final class WordVectors {
    /** How rows of words missing from the file are seeded. */
    public enum Unknown { RANDOM, ZERO }

    public static final String PAD = "<pad>";

    private WordVectors() {
    }

    /** The matrix and what was found. */
    public static final class Result {
        public final INDArray matrix;        // [vocabulary, dim]
        public final int found;
        public final List<String> missing;   // vocabulary words the file lacks (special tokens included)

        Result(INDArray matrix, int found, List<String> missing) {
            this.matrix = matrix;
            this.found = found;
            this.missing = Collections.unmodifiableList(missing);
        }

        /** Fraction of the vocabulary found in the file. */
        public double coverage() {
            return matrix.size(0) == 0 ? 0 : (double) found / matrix.size(0);
        }

        /** A one-line report: {@code found 1950 of 1952 words (99.9%); missing: <start>, <end>}. */
        public String report() {
            List<String> shown = missing.subList(0, Math.min(10, missing.size()));
            return String.format(Locale.ROOT, "found %d of %d words (%.1f%%)%s", found, matrix.size(0), 100 * coverage(),
                    missing.isEmpty() ? "" : "; missing: " + String.join(", ", shown) + (missing.size() > 10 ? ", ..." : ""));
        }
    }

    /** The vector size of a GloVe or word2vec text file (plain or gzip), from its first vector line. */
    public static int dimension(Path file) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8), 1 << 16)) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty() || line.matches("\\d+ \\d+\\s*")) {
                    continue;
                }
                return line.trim().split(" ").length - 1;
            }
        } catch (IOException e) {
            throw new CaptionException(file + ": cannot read word vectors (" + e.getMessage() + ")", e);
        }
        throw new CaptionException(file + ": no word vectors in the file");
    }

    /** GloVe or word2vec text, plain or gzip (by the .gz suffix). */
    public static Result fromText(Path file, List<String> vocabulary, Unknown unknown, long seed) {
        Matcher matcher = new Matcher(vocabulary);
        Map<Integer, float[]> vectors = new HashMap<>();
        int dim = -1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            long lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                int space = line.indexOf(' ');
                if (space <= 0) {
                    throw new CaptionException(file + ":" + lineNo + ": not a word-vector line");
                }
                if (lineNo == 1 && line.matches("\\d+ \\d+\\s*")) {
                    continue; // word2vec text header "count dim"
                }
                String word = line.substring(0, space);
                String[] parts = line.substring(space + 1).trim().split(" ");
                if (dim < 0) {
                    dim = parts.length;
                } else if (parts.length != dim) {
                    throw new CaptionException(file + ":" + lineNo + ": " + parts.length + " values, expected " + dim);
                }
                if (!matcher.wanted(word)) {
                    continue;
                }
                float[] v = new float[dim];
                try {
                    for (int i = 0; i < dim; i++) {
                        v[i] = Float.parseFloat(parts[i]);
                    }
                } catch (NumberFormatException e) {
                    throw new CaptionException(file + ":" + lineNo + ": not a number: " + e.getMessage());
                }
                matcher.put(word, v, vectors);
            }
        } catch (IOException e) {
            throw new CaptionException(file + ": cannot read word vectors (" + e.getMessage() + ")", e);
        }
        if (dim < 0) {
            throw new CaptionException(file + ": no word vectors in the file");
        }
        return build(vocabulary, vectors, dim, unknown, seed);
    }

    /** word2vec binary: "count dim\n", then per word its bytes, a space and dim little-endian float32 values. */
    public static Result fromWord2VecBinary(Path file, List<String> vocabulary, Unknown unknown, long seed) {
        Matcher matcher = new Matcher(vocabulary);
        Map<Integer, float[]> vectors = new HashMap<>();
        int dim;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(open(file), 1 << 16))) {
            String[] header = readToken(in, '\n').trim().split(" ");
            if (header.length != 2) {
                throw new CaptionException(file + ": not a word2vec binary file (header '" + String.join(" ", header) + "')");
            }
            long count = Long.parseLong(header[0]);
            dim = Integer.parseInt(header[1]);
            byte[] raw = new byte[4 * dim];
            for (long w = 0; w < count; w++) {
                String word = readToken(in, ' ').trim();
                in.readFully(raw);
                if (matcher.wanted(word)) {
                    float[] v = new float[dim];
                    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                    matcher.put(word, v, vectors);
                }
            }
        } catch (EOFException e) {
            throw new CaptionException(file + ": the word2vec file ends early (truncated)", e);
        } catch (IOException | NumberFormatException e) {
            throw new CaptionException(file + ": cannot read word2vec vectors (" + e.getMessage() + ")", e);
        }
        return build(vocabulary, vectors, dim, unknown, seed);
    }

    private static InputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CaptionException(file + ": no such word-vector file");
        }
        InputStream in = Files.newInputStream(file);
        return file.toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static String readToken(DataInputStream in, char end) throws IOException {
        StringBuilder sb = new StringBuilder();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int b; (b = in.read()) != end; ) {
            if (b < 0) {
                throw new EOFException();
            }
            if (b == '\n' && bytes.size() == 0) {
                continue; // the newline some writers put after each vector
            }
            bytes.write(b);
        }
        sb.append(bytes.toString(StandardCharsets.UTF_8));
        return sb.toString();
    }

    private static Map<String, Integer> index(List<String> vocabulary) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            index.putIfAbsent(vocabulary.get(i), i);
        }
        return index;
    }

    /**
     * Vocabulary ids a file word fills: the word itself, and vocabulary words that differ from it only in case
     * (unless they have an exact match of their own, which wins whatever the order in the file).
     */
    private static final class Matcher {
        final Map<String, Integer> exact;
        final Map<String, List<Integer>> byLower = new HashMap<>();
        final java.util.Set<Integer> exactFilled = new java.util.HashSet<>();

        Matcher(List<String> vocabulary) {
            exact = index(vocabulary);
            for (int i = 0; i < vocabulary.size(); i++) {
                byLower.computeIfAbsent(vocabulary.get(i).toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(i);
            }
        }

        boolean wanted(String word) {
            return exact.containsKey(word) || byLower.containsKey(word.toLowerCase(Locale.ROOT));
        }

        void put(String word, float[] v, Map<Integer, float[]> vectors) {
            Integer id = exact.get(word);
            if (id != null) {
                vectors.put(id, v);
                exactFilled.add(id);
            }
            for (int other : byLower.getOrDefault(word.toLowerCase(Locale.ROOT), List.of())) {
                if (!exactFilled.contains(other) && !vectors.containsKey(other)) {
                    vectors.put(other, v);
                }
            }
        }
    }

    private static Result build(List<String> vocabulary, Map<Integer, float[]> vectors, int dim, Unknown unknown, long seed) {
        float[] data = new float[vocabulary.size() * dim];
        Random rnd = new Random(seed);
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            float[] v = vectors.get(i);
            if (v != null) {
                System.arraycopy(v, 0, data, i * dim, dim);
                continue;
            }
            missing.add(vocabulary.get(i));
            if (unknown == Unknown.RANDOM && !PAD.equals(vocabulary.get(i))) {
                for (int k = 0; k < dim; k++) {
                    data[i * dim + k] = (float) (0.1 * rnd.nextGaussian());
                }
            }
        }
        INDArray m = Nd4j.create(data, new long[]{vocabulary.size(), dim}, DataType.FLOAT);
        return new Result(m, vocabulary.size() - missing.size(), missing);
    }
}
