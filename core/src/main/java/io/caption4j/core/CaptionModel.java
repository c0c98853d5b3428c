package io.caption4j.core;

import io.caption4j.core.decode.CaptionSearch;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.decode.DecodedCaption;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.EncoderProvider;
import io.caption4j.core.image.FeaturePooling;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoder;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.layers.EmbeddingMode;
import io.caption4j.layers.FeatureProjection;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * A ready captioner: image encoder, feature pooling, decoder network and vocabulary. {@link #describe} turns a
 * picture into a {@link Caption}; {@link #describeAll} batches through the encoder and the decoder. Safe for
 * concurrent callers (the encoder is, and decoding shares only read-only weights).
 * <p>Saved as one versioned zip ({@value #FORMAT}): {@code model.json} (format, encoder spec, identity and pooling,
 * decoding defaults, SHA-256 of every other entry), {@code network.json} (the DL4J configuration),
 * {@code params.bin} (parameters, float32 or float16) and {@code vocabulary.txt}.
 */
public final class CaptionModel implements AutoCloseable {
    public static final String FORMAT = "caption4j-model/1";
    static final String MANIFEST = "model.json", NETWORK = "network.json", PARAMS = "params.bin", VOCABULARY = "vocabulary.txt";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARAMS_MAGIC = 0x43345031; // "C4P1"

    private final ImageEncoder encoder;
    private final String encoderSpec;
    private final int poolWindow;
    private final Vocabulary vocabulary;
    private final CaptionNetwork network;
    private final AttentionDecoderStep step;
    private final DecodeOptions defaults;
    private final long featureSize;
    private final String trainingConfig;
    private volatile boolean closed;

    private CaptionModel(Builder b, CaptionNetwork network) {
        this.encoder = b.encoder;
        this.encoderSpec = b.encoderSpec;
        this.poolWindow = b.poolWindow;
        this.vocabulary = b.vocabulary;
        this.network = network;
        this.step = AttentionDecoderStep.of(network);
        DecodeOptions d = DecodeOptions.beamOrGreedy(b.beamSize);
        this.defaults = d.withMaxLength(b.maxLength);
        this.featureSize = ((FeatureProjection) network.getLayer(CaptionNetwork.PROJECTION).conf().getLayer()).getNIn();
        this.trainingConfig = b.trainingConfig;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The default captioner from {@code caption4j-zoo} (trained on Flickr8k; see its model card). */
    public static CaptionModel pretrained() {
        for (PretrainedModels p : ServiceLoader.load(PretrainedModels.class)) {
            return p.defaultModel();
        }
        throw new CaptionException("No pretrained model on the classpath: add the io.caption4j:caption4j-zoo dependency");
    }

    /** Builds a model: required {@code setEncoder}, {@code setVocabulary} and {@code setDecoder}; the rest optional. */
    public static final class Builder {
        private ImageEncoder encoder;
        private String encoderSpec;
        private Vocabulary vocabulary;
        private CaptionNetwork network;
        private CaptionNetwork.Builder networkBuilder;
        private EmbeddingMode embeddingMode;
        private INDArray embeddings;
        private int poolWindow = 1, beamSize = 3, maxLength = 40;
        private String trainingConfig;

        /** The image encoder (required). */
        public Builder setEncoder(ImageEncoder encoder) {
            this.encoder = encoder;
            return this;
        }

        /** The image encoder by spec, e.g. {@code nsfwjs:MIXED5} (resolved by an {@link EncoderProvider}). */
        public Builder setEncoder(String spec) {
            this.encoder = resolveEncoder(spec);
            this.encoderSpec = spec;
            return this;
        }

        /** The vocabulary the decoder was trained with (required). */
        public Builder setVocabulary(Vocabulary vocabulary) {
            this.vocabulary = vocabulary;
            return this;
        }

        /** A trained decoder network (this or the builder form is required). */
        public Builder setDecoder(CaptionNetwork network) {
            this.network = network;
            this.networkBuilder = null;
            return this;
        }

        /** A new, untrained decoder of this configuration (its vocabulary size is set from the vocabulary). */
        public Builder setDecoder(CaptionNetwork.Builder networkBuilder) {
            this.networkBuilder = networkBuilder;
            this.network = null;
            return this;
        }

        /** Word vectors for a new decoder ({@code FROZEN} or {@code FINE_TUNE}), [vocabulary size, embedding size]. */
        public Builder optEmbeddings(EmbeddingMode mode, INDArray matrix) {
            this.embeddingMode = mode;
            this.embeddings = matrix;
            return this;
        }

        /** How a saved model recreates its encoder, e.g. {@code nsfwjs:MIXED5} (set by {@code setEncoder(String)}). */
        public Builder optEncoderSpec(String spec) {
            this.encoderSpec = spec;
            return this;
        }

        /** k x k average pooling of the encoder's grid before the decoder (default 1: none). */
        public Builder optPoolWindow(int k) {
            this.poolWindow = k;
            return this;
        }

        /** Default beam size of {@link #describe(BufferedImage)} (1 = greedy; default 3). */
        public Builder optBeamSize(int k) {
            this.beamSize = k;
            return this;
        }

        /** Default maximum caption length in words (default 40). */
        public Builder optMaxLength(int n) {
            this.maxLength = n;
            return this;
        }

        /** The training configuration JSON, kept in the saved model for the record. */
        public Builder optTrainingConfig(String json) {
            this.trainingConfig = json;
            return this;
        }

        public CaptionModel build() {
            if (encoder == null) {
                throw new CaptionException("CaptionModel needs an encoder: setEncoder(...)");
            }
            if (vocabulary == null) {
                throw new CaptionException("CaptionModel needs a vocabulary: setVocabulary(...)");
            }
            if (network == null && networkBuilder == null) {
                throw new CaptionException("CaptionModel needs a decoder: setDecoder(network) or setDecoder(CaptionNetwork.builder()...)");
            }
            if (poolWindow < 1 || beamSize < 1 || maxLength < 1) {
                throw new CaptionException("poolWindow, beamSize and maxLength must be >= 1 (got " + poolWindow + ", "
                        + beamSize + ", " + maxLength + ")");
            }
            CaptionNetwork net = network;
            if (net == null) {
                networkBuilder.vocabularySize(vocabulary.size());
                if (embeddingMode != null) {
                    networkBuilder.embeddings(embeddingMode, embeddings);
                }
                net = networkBuilder.build();
            }
            AttentionDecoder dec = (AttentionDecoder) net.getConfiguration().getVertices().get(CaptionNetwork.DECODER);
            if (dec == null) {
                throw new CaptionException("The decoder network was not made by CaptionNetwork (it has no '" + CaptionNetwork.DECODER + "' vertex)");
            }
            if (dec.getVocabularySize() != vocabulary.size()) {
                throw new CaptionException("The decoder predicts " + dec.getVocabularySize() + " words but the vocabulary has "
                        + vocabulary.size());
            }
            if (encoderSpec == null) {
                encoderSpec = encoder.id();
            }
            return new CaptionModel(this, net);
        }
    }

    public Caption describe(BufferedImage image) {
        return describe(image, defaults);
    }

    public Caption describe(BufferedImage image, DecodeOptions options) {
        return describeAll(List.of(image), options).get(0);
    }

    public List<Caption> describeAll(List<BufferedImage> images) {
        return describeAll(images, defaults);
    }

    /** Captions a batch of images: one encoder batch, one decoder batch (beam search runs image by image). */
    public List<Caption> describeAll(List<BufferedImage> images, DecodeOptions options) {
        if (closed) {
            throw new IllegalStateException("This CaptionModel is closed");
        }
        if (images == null || images.isEmpty() || images.stream().anyMatch(java.util.Objects::isNull)) {
            throw new CaptionException("describe needs at least one image and no null images");
        }
        long t0 = System.nanoTime();
        List<EncodedImage> encoded = new ArrayList<>();
        for (EncodedImage e : encoder.encodeAll(images)) {
            if (e.channels() != featureSize) {
                throw new CaptionException("The encoder " + encoder.id() + " gives " + e.channels()
                        + " channels but the decoder expects " + featureSize);
            }
            encoded.add(FeaturePooling.average(e, poolWindow));
        }
        List<DecodedCaption> decoded = CaptionSearch.decode(step, CaptionSearch.start(step, encoded), options);
        double ms = (System.nanoTime() - t0) / 1e6;
        List<Caption> out = new ArrayList<>();
        for (int i = 0; i < decoded.size(); i++) {
            DecodedCaption d = decoded.get(i);
            List<String> words = vocabulary.decode(d.tokens);
            out.add(new Caption(words, d.logProb, Arrays.copyOf(d.attention, words.size()),
                    encoded.get(i).gridHeight(), encoded.get(i).gridWidth(), ms));
        }
        return out;
    }

    public ImageEncoder encoder() {
        return encoder;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The decoder network (for fine-tuning or inspection). */
    public CaptionNetwork network() {
        return network;
    }

    /** The k of the k x k pooling applied to the encoder's grid. */
    public int poolWindow() {
        return poolWindow;
    }

    /** The training configuration JSON saved with the model, or null. */
    public String trainingConfig() {
        return trainingConfig;
    }

    public DecodeOptions defaultOptions() {
        return defaults;
    }

    @Override
    public void close() {
        closed = true;
    }

    // ---------------------------------------------------------------- saving and loading

    /** Saves the model in float32. */
    public void save(Path file) throws IOException {
        save(file, false);
    }

    /** Saves the model, its parameters in float16 if {@code half} (half the size), atomically. */
    public void save(Path file, boolean half) throws IOException {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        entries.put(NETWORK, network.getConfiguration().toJson().getBytes(StandardCharsets.UTF_8));
        entries.put(PARAMS, params(network.params(), half));
        entries.put(VOCABULARY, String.join("\n", vocabulary.words()).getBytes(StandardCharsets.UTF_8));
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.putObject("encoder").put("spec", encoderSpec).put("id", encoder.id());
        m.put("poolWindow", poolWindow);
        m.put("beamSize", defaults.beamSize);
        m.put("maxLength", defaults.maxLength);
        m.put("parameters", half ? "float16" : "float32");
        if (trainingConfig != null) {
            m.set("training", JSON.readTree(trainingConfig));
        }
        ObjectNode sums = m.putObject("sha256");
        entries.forEach((k, v) -> sums.put(k, sha256(v)));
        Map<String, byte[]> all = new java.util.LinkedHashMap<>();
        all.put(MANIFEST, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        all.putAll(entries);
        ZipFiles.writeAtomically(file, all);
    }

    /** Loads a model, recreating its encoder from the saved spec. */
    public static CaptionModel load(Path file) {
        return load(file, null);
    }

    /** Loads a model with the given encoder, which must have the saved encoder's identity (null: from the spec). */
    public static CaptionModel load(Path file, ImageEncoder encoder) {
        try (InputStream in = Files.newInputStream(file)) {
            return load(in, file.toString(), encoder);
        } catch (NoSuchFileException e) {
            throw new CaptionException("No model file at " + file);
        } catch (IOException e) {
            throw new CaptionException("Cannot read model " + file + ": " + e.getMessage(), e);
        }
    }

    /** Loads a model from a stream (read to its end, not closed), recreating its encoder from the saved spec. */
    public static CaptionModel load(InputStream in) {
        return load(in, "stream", null);
    }

    /** Loads a model from a stream (read to its end, not closed); {@code name} appears in error messages. */
    public static CaptionModel load(InputStream in, String name, ImageEncoder encoder) {
        Map<String, byte[]> entries = new HashMap<>();
        try {
            ZipInputStream zip = new ZipInputStream(in);
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new CaptionException(name + " is damaged or not a caption4j model (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new CaptionException("Cannot read model " + name + ": " + e.getMessage(), e);
        }
        byte[] manifest = entries.get(MANIFEST);
        if (manifest == null) {
            throw new CaptionException(name + " is not a caption4j model (no " + MANIFEST
                    + (entries.containsKey("config.json") ? "; it looks like a training checkpoint: use `caption4j export`" : "") + ")");
        }
        JsonNode m;
        try {
            m = JSON.readTree(manifest);
        } catch (IOException e) {
            throw new CaptionException(name + ": " + MANIFEST + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        String format = m.path("format").asText("");
        if (!format.equals(FORMAT)) {
            throw new CaptionException(name + " has model format '" + format + "'; this caption4j reads " + FORMAT
                    + (format.startsWith("caption4j-model/") ? " (saved by another caption4j version)" : ""));
        }
        for (String entry : List.of(NETWORK, PARAMS, VOCABULARY)) {
            byte[] b = entries.get(entry);
            if (b == null) {
                throw new CaptionException(name + " is incomplete: missing " + entry);
            }
            String expected = m.path("sha256").path(entry).asText("");
            if (!expected.equals(sha256(b))) {
                throw new CaptionException(name + " is corrupt: the checksum of " + entry + " does not match");
            }
        }
        String spec = m.path("encoder").path("spec").asText(null);
        String id = m.path("encoder").path("id").asText(null);
        ImageEncoder enc = encoder != null ? encoder : resolveEncoder(spec);
        if (id != null && !id.equals(enc.id())) {
            throw new CaptionException(name + " was trained with encoder '" + id + "' but the encoder given is '" + enc.id() + "'");
        }
        CaptionNetwork net;
        try {
            ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(new String(entries.get(NETWORK), StandardCharsets.UTF_8));
            net = new CaptionNetwork(conf);
            INDArray params = readParams(entries.get(PARAMS), name);
            net.init(params, false);
        } catch (CaptionException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CaptionException(name + ": cannot rebuild the network (" + e.getMessage() + ")", e);
        }
        Vocabulary v = Vocabulary.of(Arrays.asList(new String(entries.get(VOCABULARY), StandardCharsets.UTF_8).split("\n")));
        JsonNode training = m.get("training");
        return builder().setEncoder(enc).optEncoderSpec(spec).setVocabulary(v).setDecoder(net)
                .optPoolWindow(m.path("poolWindow").asInt(1)).optBeamSize(m.path("beamSize").asInt(3))
                .optMaxLength(m.path("maxLength").asInt(40)).optTrainingConfig(training == null ? null : training.toString())
                .build();
    }

    static ImageEncoder resolveEncoder(String spec) {
        if (spec == null) {
            throw new CaptionException("The model does not say which encoder it needs: pass one to load(file, encoder)");
        }
        for (EncoderProvider p : ServiceLoader.load(EncoderProvider.class)) {
            ImageEncoder e = p.create(spec);
            if (e != null) {
                return e;
            }
        }
        throw new CaptionException("No encoder for '" + spec + "' on the classpath (caption4j-zoo provides nsfwjs:LAYER and keras:PATH:LAYER); "
                + "or pass an encoder to load(file, encoder)");
    }

    private static byte[] params(INDArray params, boolean half) {
        float[] v = params.castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(12 + v.length * (half ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(PARAMS_MAGIC).putInt(half ? 16 : 32).putInt(v.length);
        for (float x : v) {
            if (half) {
                b.putShort(Float16.fromFloat(x));
            } else {
                b.putFloat(x);
            }
        }
        return b.array();
    }

    private static INDArray readParams(byte[] bytes, String name) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || b.getInt() != PARAMS_MAGIC) {
            throw new CaptionException(name + ": " + PARAMS + " is not a caption4j parameter file");
        }
        int bits = b.getInt(), n = b.getInt();
        if ((bits != 16 && bits != 32) || n < 0 || bytes.length != 12L + (long) n * bits / 8) {
            throw new CaptionException(name + ": " + PARAMS + " has a bad header");
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = bits == 16 ? Float16.toFloat(b.getShort()) : b.getFloat();
        }
        return Nd4j.create(v, new long[]{1, n}, DataType.FLOAT);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
