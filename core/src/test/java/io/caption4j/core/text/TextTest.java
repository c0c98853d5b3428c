package io.caption4j.core.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.caption4j.core.CaptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class TextTest {
    final Tokenizer tok = new Tokenizer();

    @Test
    void tokenizerLowercasesAndDropsPunctuation() {
        assertEquals(List.of("a", "dog", "s", "t", "shirt", "is", "red"), tok.tokenize("A dog's T-shirt is RED."));
        assertEquals(List.of("two", "2", "café", "goers"), tok.tokenize("  Two (2) café-goers!! "));
        assertEquals(List.of(), tok.tokenize(" ... "));
        assertEquals(List.of(), tok.tokenize(null));
    }

    @Test
    void vocabularyBuildEncodeDecodeSaveLoad(@TempDir Path dir) throws Exception {
        List<List<String>> caps = List.of(tok.tokenize("a dog runs"), tok.tokenize("a dog sits"), tok.tokenize("a cat"));
        Vocabulary v = Vocabulary.build(caps, 2, 0);
        assertEquals(List.of("<pad>", "<start>", "<end>", "<unk>", "a", "dog"), v.words());
        assertArrayEquals(new int[]{1, 4, 5, 3, 2}, v.encode(tok.tokenize("A dog flies")));
        assertEquals(List.of("a", "dog"), v.decode(new int[]{1, 4, 5, 2, 5, 5}));
        assertEquals(List.of("<pad>", "<start>", "<end>", "<unk>", "a"), Vocabulary.build(caps, 1, 1).words());
        Path f = dir.resolve("vocab.txt");
        v.save(f);
        assertEquals(v, Vocabulary.load(f));
        Files.writeString(f, "dog\n<pad>\n");
        CaptionException e = assertThrows(CaptionException.class, () -> Vocabulary.load(f));
        assertTrue(e.getMessage().contains("vocab.txt"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> v.word(99));
    }
}
