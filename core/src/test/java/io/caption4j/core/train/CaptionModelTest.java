package io.caption4j.core.train;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.internal.Sha256;
import io.caption4j.core.internal.ZipBomb;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.EmbeddingMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class CaptionModelTest {
    @TempDir
    static Path tmp;
    static Vocabulary vocabulary;
    static List<BufferedImage> photos = new ArrayList<>();
    static CaptionModel model;

    @BeforeAll
    static void setUp() throws IOException {
        Path csv = ToyData.write(tmp.resolve("data"), 6, 9);
        List<String> words = new Tokenizer().tokenize("a red green blue square box on at the left right");
        vocabulary = Vocabulary.build(List.of(words), 1, 0);
        for (int i = 0; i < 6; i++) {
            photos.add(ImageIO.read(csv.getParent().resolve("img" + i + ".png").toFile()));
        }
        model = builder(EmbeddingMode.FINE_TUNE).build();
    }

    static CaptionModel.Builder builder(EmbeddingMode mode) {
        Nd4j.getRandom().setSeed(1);
        return CaptionModel.builder().setEncoder("toy").setVocabulary(vocabulary)
                .setDecoder(CaptionNetwork.builder().featureSize(6).pooledSize(6).projectionSize(8).embeddingSize(5)
                        .hiddenSize(8).attentionSize(8).outputHiddenSize(8).seed(3))
                .optEmbeddings(mode, Nd4j.rand(DataType.FLOAT, vocabulary.size(), 5))
                .optBeamSize(2).optMaxLength(6);
    }

    @Test
    void describesWithVocabularyWordsAndAttentionMaps() {
        Caption c = model.describe(photos.get(0));
        assertFalse(c.tokens().isEmpty());
        assertTrue(c.tokens().size() <= 6);
        for (String w : c.tokens()) {
            assertTrue(vocabulary.contains(w), w);
        }
        assertEquals(String.join(" ", c.tokens()), c.text());
        assertTrue(c.logProb() < 0);
        assertEquals(2, c.gridHeight());
        for (int i = 0; i < c.tokens().size(); i++) {
            float[][] a = c.attention(i);
            double sum = 0;
            for (float[] row : a) {
                for (float v : row) {
                    sum += v;
                }
            }
            assertEquals(1.0, sum, 1e-4);
        }
        assertEquals(c.text(), model.describe(photos.get(0)).text(), "repeated calls agree");
        List<Caption> batch = model.describeAll(photos, DecodeOptions.greedy().withMaxLength(6));
        for (int i = 0; i < photos.size(); i++) {
            assertEquals(model.describe(photos.get(i), DecodeOptions.greedy().withMaxLength(6)).text(), batch.get(i).text());
        }
    }

    @Test
    void saveAndLoadGiveTheSameCaptions() throws IOException {
        Path f32 = tmp.resolve("m32.zip"), f16 = tmp.resolve("m16.zip");
        model.save(f32);
        model.save(f16, true);
        assertTrue(Files.size(f16) < Files.size(f32));
        try (CaptionModel a = CaptionModel.load(f32); CaptionModel b = CaptionModel.load(f16);
             InputStream in = Files.newInputStream(f32); CaptionModel c = CaptionModel.load(in)) {
            assertEquals(model.network().params(), a.network().params());
            for (BufferedImage p : photos) {
                Caption want = model.describe(p);
                assertEquals(want.text(), a.describe(p).text());
                assertEquals(want.logProb(), a.describe(p).logProb(), 1e-6);
                assertEquals(want.text(), c.describe(p).text());
                assertEquals(want.logProb(), b.describe(p).logProb(), 0.05);
            }
            assertEquals(model.defaultOptions().beamSize, a.defaultOptions().beamSize);
            assertEquals(6, a.defaultOptions().maxLength);
        }
    }

    @Test
    void anEnsembleDecodesItsMembersTogetherAndSavesThemAll() throws IOException {
        try (CaptionModel second = builder(EmbeddingMode.FINE_TUNE).setDecoder(CaptionNetwork.builder().featureSize(6)
                .pooledSize(6).projectionSize(8).embeddingSize(5).hiddenSize(8).attentionSize(8).outputHiddenSize(8).seed(9))
                .build();
             CaptionModel twice = CaptionModel.builder().setEncoder("toy").setVocabulary(vocabulary).setDecoder(model.network())
                     .optEnsembleMember(model.network()).optBeamSize(2).optMaxLength(6).build();
             CaptionModel ens = CaptionModel.builder().setEncoder("toy").setVocabulary(vocabulary).setDecoder(model.network())
                     .optEnsembleMember(second.network()).optBeamSize(2).optMaxLength(6).build()) {
            assertEquals(2, ens.networks().size());
            assertSame(model.network(), ens.network());
            boolean differs = false;
            for (BufferedImage p : photos) {
                Caption one = model.describe(p), two = twice.describe(p), mixed = ens.describe(p);
                assertEquals(one.text(), two.text());                   // a model twice over is the model
                assertEquals(one.logProb(), two.logProb(), 1e-5);
                differs |= mixed.logProb() != one.logProb() && mixed.logProb() != second.describe(p).logProb();
            }
            assertTrue(differs, "the ensemble decodes like one of its members");

            Path f32 = tmp.resolve("ens32.zip"), f16 = tmp.resolve("ens16.zip");
            ens.save(f32);
            ens.save(f16, true);
            String manifest = new String(entry(f32, "model.json"));
            assertTrue(manifest.contains("caption4j-model/2") && manifest.contains("\"members\" : 2"), manifest);
            try (CaptionModel a = CaptionModel.load(f32); CaptionModel b = CaptionModel.load(f16)) {
                assertEquals(2, a.networks().size());
                assertEquals(model.network().params(), a.network().params());
                assertEquals(second.network().params(), a.networks().get(1).params());
                for (BufferedImage p : photos) {
                    Caption want = ens.describe(p), got = a.describe(p);
                    assertEquals(want.text(), got.text());
                    assertEquals(want.logProb(), got.logProb(), 1e-6);
                    for (int t = 0; t < want.tokens().size(); t++) {
                        for (int y = 0; y < want.gridHeight(); y++) {
                            assertArrayEquals(want.attention(t)[y], got.attention(t)[y], 1e-6f);
                        }
                    }
                    assertEquals(want.logProb(), b.describe(p).logProb(), 0.05);
                }
            }

            // a member of another vocabulary or other features, and damaged ensemble files, say what is wrong
            String m = assertThrows(CaptionException.class, () -> CaptionModel.builder().setEncoder("toy")
                    .setVocabulary(vocabulary).setDecoder(model.network()).optEnsembleMember(CaptionNetwork.builder()
                            .featureSize(6).pooledSize(6).vocabularySize(vocabulary.size() + 1).build()).build()).getMessage();
            assertTrue(m.contains("vocabulary"), m);
            m = assertThrows(CaptionException.class, () -> CaptionModel.builder().setEncoder("toy").setVocabulary(vocabulary)
                    .setDecoder(model.network()).optEnsembleMember(CaptionNetwork.builder().featureSize(7).pooledSize(6)
                            .vocabularySize(vocabulary.size()).build()).build()).getMessage();
            assertTrue(m.contains("Ensemble member 2") && m.contains("7 channels"), m);
            assertThrows(CaptionException.class, () -> CaptionModel.builder().optEnsembleMember(null));
            Path corrupt = tmp.resolve("ens-corrupt.zip");
            rewrite(f32, corrupt, "member-2/network.json", x -> x + " ");
            m = assertThrows(CaptionException.class, () -> CaptionModel.load(corrupt)).getMessage();
            assertTrue(m.contains("corrupt") && m.contains("member-2/network.json"), m);
            Path one = tmp.resolve("ens-one.zip");
            rewrite(f32, one, "model.json", x -> x.replace("\"members\" : 2", "\"members\" : 1"));
            m = assertThrows(CaptionException.class, () -> CaptionModel.load(one)).getMessage();
            assertTrue(m.contains("2 to 16 members"), m);
        }
    }

    @Test
    void concurrentCallersGetTheSameCaptions() throws Exception {
        List<String> want = new ArrayList<>();
        for (BufferedImage p : photos) {
            want.add(model.describe(p).text());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            int i = t % photos.size();
            results.add(pool.submit(() -> model.describe(photos.get(i)).text().equals(want.get(i))));
        }
        for (Future<Boolean> r : results) {
            assertTrue(r.get());
        }
        pool.shutdown();
    }

    @Test
    void builderAndBadFilesSayWhatIsWrong() throws IOException {
        String m = assertThrows(CaptionException.class, () -> CaptionModel.builder().setVocabulary(vocabulary).build())
                .getMessage();
        assertTrue(m.contains("encoder"), m);
        m = assertThrows(CaptionException.class, () -> CaptionModel.builder().setEncoder(new ToyData.Encoder()).build())
                .getMessage();
        assertTrue(m.contains("vocabulary"), m);
        m = assertThrows(CaptionException.class, () -> CaptionModel.builder().setEncoder(new ToyData.Encoder())
                .setVocabulary(vocabulary).build()).getMessage();
        assertTrue(m.contains("decoder"), m);
        Vocabulary small = Vocabulary.of(vocabulary.words().subList(0, 6));
        m = assertThrows(CaptionException.class, () -> CaptionModel.builder().setEncoder(new ToyData.Encoder())
                .setVocabulary(small).setDecoder(model.network()).build()).getMessage();
        assertTrue(m.contains("vocabulary has 6"), m);
        m = assertThrows(CaptionException.class, () -> CaptionModel.builder().setEncoder("nonesuch:1")).getMessage();
        assertTrue(m.contains("nonesuch:1"), m);

        Path good = tmp.resolve("good.zip");
        model.save(good);
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(tmp.resolve("absent.zip"))).getMessage();
        assertTrue(m.contains("No model file"), m);
        Path text = tmp.resolve("text.zip");
        Files.writeString(text, "not a zip");
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(text)).getMessage();
        assertTrue(m.contains("not a caption4j model"), m);
        Path old = tmp.resolve("old.zip");
        rewrite(good, old, "model.json", s -> s.replace("caption4j-model/1", "caption4j-model/0"));
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(old)).getMessage();
        assertTrue(m.contains("caption4j-model/0") && m.contains("another caption4j version"), m);
        Path corrupt = tmp.resolve("corrupt.zip");
        rewrite(good, corrupt, "vocabulary.txt", s -> s.replace("square", "circle"));
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(corrupt)).getMessage();
        assertTrue(m.contains("corrupt") && m.contains("vocabulary.txt"), m);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = tmp.resolve("truncated.zip");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(truncated)).getMessage();
        assertTrue(m.contains("truncated.zip"), m);
        ImageEncoder other = new ImageEncoder() {
            public EncodedImage encode(BufferedImage image) { return null; }
            public String id() { return "other"; }
        };
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(good, other)).getMessage();
        assertTrue(m.contains("toy-encoder/v1") && m.contains("other"), m);

        // a custom layer class missing at load time: named in a short message (a consistent file, checksums updated)
        byte[] network = entry(good, "network.json");
        String renamed = new String(network).replace("io.caption4j.layers.FeatureProjection", "com.example.GoneLayer");
        Path missing = tmp.resolve("missing-class.zip");
        Path step = tmp.resolve("missing-class-step.zip");
        rewrite(good, step, "network.json", x -> renamed);
        rewrite(step, missing, "model.json", x -> x.replace(Sha256.hex(network), Sha256.hex(renamed.getBytes()))
                .replace("\"network.json\" : " + network.length, "\"network.json\" : " + renamed.getBytes().length));
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(missing)).getMessage();
        assertTrue(m.contains("com.example.GoneLayer") && m.contains("classpath") && m.length() < 300, m);

        CaptionModel closed = CaptionModel.load(good);
        closed.close();
        assertThrows(CaptionException.class, () -> closed.describe(photos.get(0)));
    }

    @Test
    void zipBombsAndNonFiniteWeightsAreRefusedWithOneLine() throws IOException {
        Path good = tmp.resolve("good-for-bomb.zip");
        model.save(good);
        Path bomb = tmp.resolve("bomb.zip");                     // the real manifest, then params.bin inflating to 3 GiB
        Map<String, byte[]> manifest = new LinkedHashMap<>();
        manifest.put("model.json", new String(entry(good, "model.json")).replaceAll(",\\s*\"sizes\"[^}]*}", "").getBytes());
        ZipBomb.write(bomb, manifest, "params.bin", 3L << 30);
        String m = assertThrows(CaptionException.class, () -> CaptionModel.load(bomb)).getMessage();
        assertTrue(m.contains("bomb.zip is refused") && m.contains("params.bin") && !m.contains("\n"), m);
        Path declared = tmp.resolve("declared.zip");              // a manifest's sizes bound the entries after it
        ZipBomb.write(declared, Map.of("model.json", entry(good, "model.json")), "params.bin", 3L << 30);
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(declared)).getMessage();
        assertTrue(m.contains("params.bin inflates past the limit of " + entry(good, "params.bin").length), m);

        Path pathSpec = tmp.resolve("path-spec.zip");            // a model may not make the loader open a local path
        rewrite(good, pathSpec, "model.json",
                x -> x.replaceAll("\"spec\" : \"[^\"]*\"", "\"spec\" : \"keras:/etc/passwd:MIXED5\""));
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(pathSpec)).getMessage();
        assertTrue(m.contains("names its encoder by a local path") && m.contains("/etc/passwd"), m);

        CaptionModel nan = builder(EmbeddingMode.FINE_TUNE).build();
        nan.network().params().putScalar(3, Float.NaN);
        nan.refresh();
        m = assertThrows(CaptionException.class, () -> nan.describe(photos.get(0))).getMessage();
        assertTrue(m.contains("not finite"), m);
        Path saved = tmp.resolve("nan.zip");
        nan.save(saved);                                          // checksums match: only the values are wrong
        m = assertThrows(CaptionException.class, () -> CaptionModel.load(saved)).getMessage();
        assertTrue(m.contains("nan.zip") && m.contains("1 of its") && m.contains("NaN or infinite"), m);
        nan.close();
    }

    /** The bytes of one entry of a zip. */
    static byte[] entry(Path zip, String name) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        throw new IOException("no " + name + " in " + zip);
    }

    /** Copies a zip with one text entry changed. */
    static void rewrite(Path from, Path to, String entry, UnaryOperator<String> change) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(from));
             OutputStream os = Files.newOutputStream(to); ZipOutputStream out = new ZipOutputStream(os)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] b = in.readAllBytes();
                if (e.getName().equals(entry)) {
                    b = change.apply(new String(b)).getBytes();
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(b);
                out.closeEntry();
            }
        }
    }
}
