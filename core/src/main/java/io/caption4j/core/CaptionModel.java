package io.caption4j.core;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

import io.caption4j.core.decode.CaptionSearch;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.decode.DecodedCaption;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.EncoderProvider;
import io.caption4j.core.image.EncoderSpec;
import io.caption4j.core.image.FeaturePooling;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.core.internal.Backend;
import io.caption4j.core.internal.DecoderChecks;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoder;
import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.layers.CaptionNetwork;
import io.caption4j.layers.EmbeddingMode;
import io.caption4j.layers.FeatureProjection;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A ready captioner: image encoder, feature pooling, decoder network and vocabulary. {@link #describe} turns a
 * picture into a {@link Caption}; {@link #describeAll} batches through the encoder and the decoder. Safe for
 * concurrent callers (the encoder is, and decoding shares only read-only weights).
 * <p>Saved as one versioned zip, format {@value #FORMAT}: the configuration and parameters of the decoder, the
 * vocabulary, the encoder's spec and identity, the pooling and the decoding defaults (the format: {@code ModelArchive}).
 */
public final class CaptionModel implements AutoCloseable {
    /** The model file format this caption4j reads and writes. */
    public static final String FORMAT = ModelArchive.FORMAT;
    /** The system property that lets a model file name its encoder by a local path ({@code keras:PATH:LAYER}). */
    public static final String ALLOW_ENCODER_PATHS = "caption4j.allowEncoderPaths";

    private final ImageEncoder encoder;
    private final String encoderSpec;
    private final int poolWindow;
    private final Vocabulary vocabulary;
    private final CaptionNetwork network;
    /** Every decoder: the network, then an ensemble's further members (none for a single model). */
    private final List<CaptionNetwork> networks;
    /** Whether close() frees the network: one the model made or loaded, not one handed to the builder. */
    private final boolean ownsNetwork;
    /** Whether close() frees the further members: those of a loaded model. */
    private final boolean ownsMembers;
    private final List<AttentionDecoderStep> steps;   // the decoders' inference weights, remade when a network trains
    private final int[] stepIterations;               // each network's iteration count when its step was made
    private final DecodeOptions defaults;
    private final long featureSize;
    private final int regions;                       // the decoder's training grid, 0 if not recorded
    private final String trainingConfig;
    private final ImageLoader loader = new ImageLoader();
    private volatile boolean closed;

    private CaptionModel(Builder b, CaptionNetwork network, int regions) {
        this.encoder = b.encoder;
        this.encoderSpec = b.encoderSpec;
        this.poolWindow = b.poolWindow;
        this.vocabulary = b.vocabulary;
        this.network = network;
        List<CaptionNetwork> all = new ArrayList<>();
        all.add(network);
        all.addAll(b.members);
        this.networks = List.copyOf(all);
        this.ownsNetwork = b.ownsNetwork;
        this.ownsMembers = b.ownsMembers;
        this.steps = new ArrayList<>();
        this.stepIterations = new int[networks.size()];
        for (int j = 0; j < networks.size(); j++) {
            steps.add(AttentionDecoderStep.of(networks.get(j)));
            stepIterations[j] = networks.get(j).getConfiguration().getIterationCount();
        }
        DecodeOptions d = DecodeOptions.beamOrGreedy(b.beamSize);
        if (d.strategy == DecodeOptions.Strategy.BEAM) {
            d = d.withLengthPenalty(b.lengthPenalty);
        }
        this.defaults = d.withMaxLength(b.maxLength).withNoRepeatNgram(b.noRepeatNgram);
        this.featureSize = featureSize(network);
        this.trainingConfig = b.trainingConfig;
        this.regions = regions;
    }

    /** A builder of a model from its parts; see {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The default captioner from {@code caption4j-zoo} (trained on Flickr8k; see its model card). */
    public static CaptionModel pretrained() {
        for (PretrainedModels p : ServiceLoader.load(PretrainedModels.class)) {
            return load(new ByteArrayInputStream(p.defaultModelBytes()), p.defaultModelName(), null);
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
        private int poolWindow = 1, beamSize = 3, maxLength = 40, noRepeatNgram;
        private double lengthPenalty = 1.0;
        private boolean ownsNetwork;
        private final List<CaptionNetwork> members = new ArrayList<>();
        private boolean ownsMembers;
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

        /**
         * A trained decoder network (this or the builder form is required). It stays yours: {@link #close()} does not
         * close it, so several models (or a training checkpoint) may share it.
         */
        public Builder setDecoder(CaptionNetwork network) {
            this.network = network;
            this.networkBuilder = null;
            this.ownsNetwork = false;
            return this;
        }

        /**
         * A new, untrained decoder of this configuration (its vocabulary size is set from the vocabulary); the model owns
         * it and {@link #close()} frees it.
         */
        public Builder setDecoder(CaptionNetwork.Builder networkBuilder) {
            this.networkBuilder = networkBuilder;
            this.network = null;
            this.ownsNetwork = true;
            return this;
        }

        /** Further members that are the model's, closed with it (load does this). */
        private Builder owningMembers(List<CaptionNetwork> networks) {
            networks.forEach(this::optEnsembleMember);
            this.ownsMembers = true;
            return this;
        }

        /** The network given to {@link #setDecoder(CaptionNetwork)} is the model's, closed with it (load does this). */
        private Builder owningDecoder(CaptionNetwork network) {
            setDecoder(network);
            this.ownsNetwork = true;
            return this;
        }

        /**
         * Another trained decoder of the same vocabulary and encoder features, searched together with the first as an
         * ensemble: each next word's distribution is the mean of the decoders', the attention the mean of their weights.
         * Call once per further member. It stays yours, as with {@link #setDecoder(CaptionNetwork)}.
         */
        public Builder optEnsembleMember(CaptionNetwork network) {
            if (network == null) {
                throw new CaptionException("optEnsembleMember needs a network, got null");
            }
            members.add(network);
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

        /**
         * Default n-gram blocking of {@link #describe(BufferedImage)}: no caption repeats an n-gram of {@code n} words
         * (default 0: none; 3 blocks "a man in a red shirt and a man in a red shirt").
         */
        public Builder optNoRepeatNgram(int n) {
            this.noRepeatNgram = n;
            return this;
        }

        /**
         * Default length penalty of beam search: hypotheses scored by log P / length^alpha (default 1: per-word mean;
         * 0: raw log-probability, which favours short captions).
         */
        public Builder optLengthPenalty(double alpha) {
            this.lengthPenalty = alpha;
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

        /** The model; a CaptionException naming the first missing or inconsistent part. */
        public CaptionModel build() {
            Backend.require();
            if (encoder == null) {
                throw new CaptionException("CaptionModel needs an encoder: setEncoder(...)");
            }
            if (vocabulary == null) {
                throw new CaptionException("CaptionModel needs a vocabulary: setVocabulary(...)");
            }
            if (network == null && networkBuilder == null) {
                throw new CaptionException("CaptionModel needs a decoder: setDecoder(network) or "
                        + "setDecoder(CaptionNetwork.builder()...)");
            }
            if (poolWindow < 1 || beamSize < 1 || maxLength < 1) {
                throw new CaptionException("poolWindow, beamSize and maxLength must be >= 1 (got " + poolWindow + ", "
                        + beamSize + ", " + maxLength + ")");
            }
            if (!(lengthPenalty >= 0) || Double.isInfinite(lengthPenalty)) {
                throw new CaptionException("lengthPenalty must be finite and >= 0, got " + lengthPenalty);
            }
            if (noRepeatNgram < 0) {
                throw new CaptionException("noRepeatNgram must be >= 0 (0 = no blocking), got " + noRepeatNgram);
            }
            CaptionNetwork net = network;
            if (net == null) {
                networkBuilder.vocabularySize(vocabulary.size());
                if (embeddingMode != null) {
                    networkBuilder.embeddings(embeddingMode, embeddings);
                }
                net = networkBuilder.build();
            }
            AttentionDecoder dec = DecoderChecks.decoder(net, vocabulary.size());
            long features = featureSize(net);
            for (int j = 0; j < members.size(); j++) {
                AttentionDecoder m = DecoderChecks.decoder(members.get(j), vocabulary.size());
                if (featureSize(members.get(j)) != features || m.getRegions() != dec.getRegions()) {
                    throw new CaptionException("Ensemble member " + (j + 2) + " reads " + featureSize(members.get(j))
                            + " channels over " + m.getRegions() + " regions but the first decoder " + features + " over "
                            + dec.getRegions() + ": the members must be trained on the same encoder features");
                }
            }
            if (members.size() + 1 > ModelArchive.MAX_MEMBERS) {
                throw new CaptionException("An ensemble has at most " + ModelArchive.MAX_MEMBERS + " decoders, got "
                        + (members.size() + 1));
            }
            if (encoderSpec == null) {
                encoderSpec = encoder.id();
            }
            return new CaptionModel(this, net, dec.getRegions());
        }
    }

    /** Captions one image with the model's default decoding ({@link #defaultOptions()}: beam 3 unless saved otherwise). */
    public Caption describe(BufferedImage image) {
        return describe(image, defaults);
    }

    /** Captions one image with the given decoding (greedy, beam or sampling: see {@link DecodeOptions}). */
    public Caption describe(BufferedImage image, DecodeOptions options) {
        if (image == null) {
            throw new CaptionException("describe needs an image, got null");
        }
        return describeAll(List.of(image), options).get(0);
    }

    /** Captions an image file (JPEG, PNG, BMP, GIF; CMYK JPEGs too); a CaptionException if it cannot be read. */
    public Caption describe(Path file) {
        if (file == null) {
            throw new CaptionException("describe needs an image file, got null");
        }
        return describe(loader.read(file));
    }

    /** Captions the image in a stream (read to its end, not closed). */
    public Caption describe(InputStream in) {
        if (in == null) {
            throw new CaptionException("describe needs an image stream, got null");
        }
        return describe(loader.read(in, "stream"));
    }

    /** Captions the image in an encoded file's bytes (JPEG, PNG, ...). */
    public Caption describe(byte[] encodedImage) {
        if (encodedImage == null) {
            throw new CaptionException("describe needs image bytes, got null");
        }
        return describe(loader.read(encodedImage, "bytes"));
    }

    /** Captions the image at a URL ({@code file:}, {@code http(s):}, ...), read with a 30 s timeout. */
    public Caption describe(URL url) {
        if (url == null) {
            throw new CaptionException("describe needs an image URL, got null");
        }
        try {
            URLConnection c = url.openConnection();
            c.setConnectTimeout(30_000);
            c.setReadTimeout(30_000);
            try (InputStream in = c.getInputStream()) {
                return describe(loader.read(in, url.toString()));
            }
        } catch (IOException e) {
            throw new CaptionException("Cannot read the image at " + url + ": " + e.getMessage(), e);
        }
    }

    /** Captions images with the default decoding; see {@link #describeAll(List, DecodeOptions)}. */
    public List<Caption> describeAll(List<BufferedImage> images) {
        return describeAll(images, defaults);
    }

    /**
     * Captions a batch of images: one encoder batch for all of them; greedy and sampling decode them as one batch too,
     * beam search runs image by image. Each caption's {@link Caption#millis()} is the time of the whole call
     * ({@link Caption#encodeMillis()} and {@link Caption#wordsMillis()} its two parts).
     */
    public List<Caption> describeAll(List<BufferedImage> images, DecodeOptions options) {
        if (closed) {
            throw new CaptionException("This CaptionModel is closed");
        }
        if (images == null || images.isEmpty() || images.stream().anyMatch(Objects::isNull)) {
            throw new CaptionException("describe needs at least one image and no null images");
        }
        if (options == null) {
            throw new CaptionException("describe needs decoding options, got null (use defaultOptions())");
        }
        long t0 = System.nanoTime();
        List<EncodedImage> encoded = FeaturePooling.encodeAll(encoder, images, poolWindow);
        long t1 = System.nanoTime();
        List<DecodedCaption> decoded = decode(encoded, options);
        long t2 = System.nanoTime();
        double ms = (t2 - t0) / 1e6;
        List<Caption> out = new ArrayList<>();
        for (int i = 0; i < decoded.size(); i++) {
            DecodedCaption d = decoded.get(i);
            if (!Double.isFinite(d.logProb)) {
                throw new CaptionException("The decoder gave a non-finite log-probability (" + d.logProb + "): the model's"
                        + " parameters are not finite (set by hand, or a diverged fine-tuning); no caption returned");
            }
            out.add(new Caption(d.words, d.logProb, Arrays.copyOf(d.attention, d.words.size()),
                    encoded.get(i).gridHeight(), encoded.get(i).gridWidth(), ms, (t1 - t0) / 1e6, (t2 - t1) / 1e6));
        }
        return out;
    }

    /**
     * Captions images already encoded with this model's encoder and pooling (from a feature cache, say: what
     * {@code evaluate} does), in words; a CaptionException if their channels or grid are not the decoder's.
     */
    public List<DecodedCaption> decode(List<EncodedImage> encoded, DecodeOptions options) {
        checkOpen();
        if (encoded == null || encoded.isEmpty() || options == null) {
            throw new CaptionException("decode needs at least one encoded image and decoding options");
        }
        for (EncodedImage e : encoded) {
            if (e.channels() != featureSize) {
                throw new CaptionException("The encoder " + encoder.id() + " gives " + e.channels()
                        + " channels but the decoder expects " + featureSize);
            }
            if (regions > 0 && e.regions() != regions) {
                throw new CaptionException("The decoder was trained on " + regions + " feature regions but the encoder "
                        + encoder.id() + " with pool window " + poolWindow + " gives " + e.regions() + " (" + e.gridHeight()
                        + "x" + e.gridWidth() + "): set the pool window the model was trained with (optPoolWindow)");
            }
        }
        return CaptionSearch.decode(currentSteps(), encoded, vocabulary, options);
    }

    private static long featureSize(CaptionNetwork network) {
        return ((FeatureProjection) network.getLayer(CaptionNetwork.PROJECTION).conf().getLayer()).getNIn();
    }

    /**
     * The decoder's inference weights, remade when the network has trained since they were made, so that describe
     * and save always use the same parameters.
     */
    private synchronized List<AttentionDecoderStep> currentSteps() {
        for (int j = 0; j < networks.size(); j++) {
            int iteration = networks.get(j).getConfiguration().getIterationCount();
            if (iteration != stepIterations[j]) {
                remakeStep(j);
            }
        }
        return List.copyOf(steps);
    }

    private void remakeStep(int j) {
        steps.get(j).close();
        steps.set(j, AttentionDecoderStep.of(networks.get(j)));
        stepIterations[j] = networks.get(j).getConfiguration().getIterationCount();
    }

    /** The image encoder (shared with other models of the same spec: see the encoder provider). */
    public ImageEncoder encoder() {
        return encoder;
    }

    /** The words the decoder knows. */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * The decoder network, live: fine-tune it with {@code network().fit(...)} (batches from
     * {@code io.caption4j.core.data.CaptionBatcher}) and the next {@link #describe} and {@link #save} use the new
     * weights. After changing parameters by hand (not through {@code fit}), call {@link #refresh()}.
     */
    public CaptionNetwork network() {
        return network;
    }

    /** Every decoder network: {@link #network()} first, then an ensemble's further members (one for a single model). */
    public List<CaptionNetwork> networks() {
        return networks;
    }

    /** Makes describe use the network's current parameters now (needed only after changing them outside {@code fit}). */
    public synchronized void refresh() {
        checkOpen();
        for (int j = 0; j < networks.size(); j++) {
            remakeStep(j);
        }
    }

    /** The k of the k x k pooling applied to the encoder's grid. */
    public int poolWindow() {
        return poolWindow;
    }

    /** The training configuration JSON saved with the model, or null. */
    public String trainingConfig() {
        return trainingConfig;
    }

    /** The decoding {@link #describe(BufferedImage)} uses: beam size and maximum length saved with the model. */
    public DecodeOptions defaultOptions() {
        return defaults;
    }

    /**
     * Frees the decoder's inference weights and the network of a loaded model or one built from a network builder
     * (parameters, updater state: off-heap memory; a network given to the builder stays the caller's), and refuses
     * further use. The encoder is not freed: it is shared
     * by every model of the same encoder spec and held by its provider for the life of the process.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            steps.forEach(AttentionDecoderStep::close);
            if (ownsNetwork) {
                network.close();
            }
            if (ownsMembers) {
                networks.subList(1, networks.size()).forEach(CaptionNetwork::close);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new CaptionException("This CaptionModel is closed");
        }
    }

    // ---------------------------------------------------------------- saving and loading

    /** Saves the model in float32, atomically; a CaptionException if the file cannot be written. */
    public void save(Path file) {
        save(file, false);
    }

    /**
     * Saves the model ({@link ModelArchive}) atomically, its parameters in float16 if {@code half} (the file is then
     * about 80% of the float32 one: the zip already compresses float32 well); a CaptionException if it cannot be written.
     */
    public synchronized void save(Path file, boolean half) {
        checkOpen();
        if (file == null) {
            throw new CaptionException("save needs a file, got null");
        }
        ModelArchive.Settings s = new ModelArchive.Settings(encoderSpec, encoder.id(), poolWindow, defaults.beamSize,
                defaults.maxLength, defaults.noRepeatNgram,
                defaults.strategy == DecodeOptions.Strategy.BEAM ? defaults.lengthPenalty : 1.0, trainingConfig);
        try {
            ModelArchive.write(file, s, networks, vocabulary, half);
        } catch (IOException e) {
            throw new CaptionException("Cannot save the model to " + file + ": " + e.getMessage(), e);
        }
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
        Backend.require();
        ModelArchive archive = ModelArchive.read(in, name);
        ModelArchive.Settings s = archive.settings();
        if (encoder == null && s.encoderSpec != null && EncoderSpec.parse(s.encoderSpec).encoder().contains(":")
                && !Boolean.getBoolean(ALLOW_ENCODER_PATHS)) {
            // a spec such as keras:/some/path:LAYER would make a downloaded model file open a local path of its choosing
            throw new CaptionException(name + " names its encoder by a local path ('" + s.encoderSpec + "'): pass the encoder"
                    + " to load(file, encoder), or allow it with -D" + ALLOW_ENCODER_PATHS + "=true if you trust the file");
        }
        ImageEncoder enc = encoder != null ? encoder : resolveEncoder(s.encoderSpec);
        if (s.encoderId != null && !s.encoderId.equals(enc.id())) {
            throw new CaptionException(name + " was trained with encoder '" + s.encoderId + "' but the encoder given is '"
                    + enc.id() + "'");
        }
        List<CaptionNetwork> nets = archive.networks();
        return builder().setEncoder(enc).optEncoderSpec(s.encoderSpec).setVocabulary(archive.vocabulary())
                .owningDecoder(nets.get(0)).owningMembers(nets.subList(1, nets.size()))
                .optPoolWindow(s.poolWindow).optBeamSize(s.beamSize).optMaxLength(s.maxLength)
                .optNoRepeatNgram(s.noRepeatNgram).optLengthPenalty(s.lengthPenalty).optTrainingConfig(s.trainingConfig).build();
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
        throw new CaptionException("No encoder for '" + spec + "' on the classpath (caption4j-zoo provides nsfwjs:LAYER and "
                + "keras:PATH:LAYER); or pass an encoder to load(file, encoder)");
    }
}
