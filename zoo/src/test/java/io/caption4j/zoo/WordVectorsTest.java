package io.caption4j.zoo;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import io.caption4j.core.CaptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** GloVe and word2vec loading into a vocabulary's embedding matrix. */
class WordVectorsTest {
    static final List<String> VOCAB = List.of("<pad>", "<start>", "<end>", "<unk>", "dog", "runs", "Paris", "zebroid");
    static final String GLOVE = "the 0.1 0.2 0.3\ndog 1 2 3\nruns -1 -2 -3.5\nparis 0.5 0.5 0.5\ncat 9 9 9\n";

    @Test
    void gloveTextPlainAndGzip(@TempDir Path dir) throws IOException {
        Path plain = Files.writeString(dir.resolve("g.txt"), GLOVE);
        Path gz = dir.resolve("g.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(GLOVE.getBytes(StandardCharsets.UTF_8));
        }
        for (Path p : new Path[]{plain, gz}) {
            WordVectors.Result r = WordVectors.fromText(p, VOCAB, WordVectors.Unknown.RANDOM, 7);
            check(r);
        }
        WordVectors.Result zero = WordVectors.fromText(plain, VOCAB, WordVectors.Unknown.ZERO, 7);
        assertEquals(0.0, zero.matrix.getRow(1).amaxNumber().doubleValue(), 0, "ZERO seeds missing words with zeros");
    }

    static void check(WordVectors.Result r) {
        INDArray m = r.matrix;
        assertArrayEquals(new long[]{8, 3}, m.shape());
        assertArrayEquals(new float[]{1, 2, 3}, m.getRow(4).toFloatVector());
        assertArrayEquals(new float[]{-1, -2, -3.5f}, m.getRow(5).toFloatVector());
        assertArrayEquals(new float[]{0.5f, 0.5f, 0.5f}, m.getRow(6).toFloatVector(), "found in lower case");
        assertEquals(0.0, m.getRow(0).amaxNumber().doubleValue(), 0, "<pad> is zero");
        double start = m.getRow(1).amaxNumber().doubleValue();
        assertTrue(start > 0 && start < 0.5, "special tokens get small random values: " + start);
        assertEquals(3, r.found);
        assertEquals(List.of("<pad>", "<start>", "<end>", "<unk>", "zebroid"), r.missing);
        assertTrue(r.report().startsWith("found 3 of 8 words (37.5%); missing: <pad>"), r.report());
    }

    @Test
    void word2vecTextAndBinary(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("w.txt"), "5 3\n" + GLOVE);
        check(WordVectors.fromText(text, VOCAB, WordVectors.Unknown.RANDOM, 7));
        Path bin = dir.resolve("w.bin");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(bin))) {
            out.write("5 3\n".getBytes(StandardCharsets.UTF_8));
            for (String line : GLOVE.split("\n")) {
                String[] p = line.split(" ");
                out.write((p[0] + " ").getBytes(StandardCharsets.UTF_8));
                ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 1; i <= 3; i++) {
                    b.putFloat(Float.parseFloat(p[i]));
                }
                out.write(b.array());
                out.write('\n');
            }
        }
        check(WordVectors.fromWord2VecBinary(bin, VOCAB, WordVectors.Unknown.RANDOM, 7));
        byte[] all = Files.readAllBytes(bin);
        Path cut = Files.write(dir.resolve("cut.bin"), java.util.Arrays.copyOf(all, all.length - 5));
        CaptionException e = assertThrows(CaptionException.class,
                () -> WordVectors.fromWord2VecBinary(cut, VOCAB, WordVectors.Unknown.ZERO, 1));
        assertTrue(e.getMessage().contains("cut.bin") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void badFiles(@TempDir Path dir) throws IOException {
        Path ragged = Files.writeString(dir.resolve("ragged.txt"), "a 1 2 3\nb 1 2\n");
        CaptionException e = assertThrows(CaptionException.class,
                () -> WordVectors.fromText(ragged, VOCAB, WordVectors.Unknown.ZERO, 1));
        assertTrue(e.getMessage().contains("ragged.txt:2"), e.getMessage());
        Path nan = Files.writeString(dir.resolve("nan.txt"), "dog 1 x 3\n");
        assertThrows(CaptionException.class, () -> WordVectors.fromText(nan, VOCAB, WordVectors.Unknown.ZERO, 1));
        assertThrows(CaptionException.class,
                () -> WordVectors.fromText(dir.resolve("none.txt"), VOCAB, WordVectors.Unknown.ZERO, 1));
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        assertThrows(CaptionException.class, () -> WordVectors.fromText(empty, VOCAB, WordVectors.Unknown.ZERO, 1));
    }

    @Test
    void realGloveVectors() {
        Path glove = Paths.get("../../shared/data/glove/glove.6B.50d.flickr8k_vocab.txt");
        if (!Files.isRegularFile(glove)) {
            glove = Paths.get("../shared/data/glove/glove.6B.50d.flickr8k_vocab.txt");
        }
        assumeTrue(Files.isRegularFile(glove), "../shared/data/glove is absent: skipping the real-GloVe test");
        List<String> vocab = List.of("<pad>", "<start>", "<end>", "<unk>", "dog", "dogs", "running", "beach", "qwxzv");
        WordVectors.Result r = WordVectors.fromText(glove, vocab, WordVectors.Unknown.RANDOM, 1);
        assertEquals(50, r.matrix.size(1));
        assertEquals(4, r.found, r.report());
        // real vectors: 'dog' is closer to 'dogs' than to 'beach'
        INDArray dog = r.matrix.getRow(4), dogs = r.matrix.getRow(5), beach = r.matrix.getRow(7);
        double simDogs = dog.mul(dogs).sumNumber().doubleValue() / dog.norm2Number().doubleValue()
                / dogs.norm2Number().doubleValue();
        double simBeach = dog.mul(beach).sumNumber().doubleValue() / dog.norm2Number().doubleValue()
                / beach.norm2Number().doubleValue();
        assertTrue(simDogs > simBeach + 0.2, "cos(dog, dogs) " + simDogs + " vs cos(dog, beach) " + simBeach);
    }
}
