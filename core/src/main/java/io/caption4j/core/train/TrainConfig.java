package io.caption4j.core.train;

import io.caption4j.core.CaptionException;
import io.caption4j.core.image.EncoderSpec;
import io.caption4j.layers.AttentionState;
import io.caption4j.layers.CellType;
import io.caption4j.layers.EmbeddingMode;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.shade.jackson.annotation.JsonIgnoreProperties;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/**
 * Everything that defines a training run, saved as JSON inside every checkpoint (and as {@code training} in every
 * exported model) so that {@code --resume} and {@code evaluate} rebuild the same data, features and network.
 * <p>A settings object, so public fields: Jackson reads and writes them by name (a renamed field would make old
 * checkpoints unreadable), and the command line overlays its options on them. Each field's initial value is the
 * default of the Flickr8k recipe, written only here: the command line's help shows it from a {@code new
 * TrainConfig()}. {@link #validate()} says what is wrong.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public final class TrainConfig {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    // data and features (recorded for resume and evaluation; the Trainer is handed the loaded objects)
    public String dataset = "flickr8k";
    public String data = "../shared/data/flickr8k";
    public String images;
    /** coco / file formats: the dev set's captions file and image folder (flickr8k uses its dev split). */
    public String devData;
    public String devImages;
    /**
     * The encoder and its feature layer, the two parts of an {@link EncoderSpec} (see {@link #encoderSpec()}); the
     * layer may name a grid and a pooled-vector layer, {@code MIXED5+MIXED10}.
     */
    public String encoder = "nsfwjs";
    public String layer = "MIXED5";
    public int pool = 2;
    /** Use only the first N images of the train and dev sets (0 = all); for quick comparisons. */
    public int limitImages;

    // vocabulary
    public int minCount = 5;
    public int maxWords = 5000;
    public int maxLength = 40;

    // network
    public int projectionSize = 512;
    public int hiddenSize = 512;
    public int attentionSize = 512;
    public int embeddingSize = 300;
    public int outputHiddenSize = 512;
    public CellType cell = CellType.LSTM;
    public EmbeddingMode embedding = EmbeddingMode.SCRATCH;
    /** The word vectors file for FROZEN and FINE_TUNE (GloVe or word2vec text). */
    public String wordVectors;
    /** Dropout probability on the encoder features. */
    public double dropout = 0.5;
    /** Weight of the doubly stochastic attention penalty. */
    public double attentionPenalty = 1.0;
    /**
     * Weight of the attention entropy term (0: off). A training objective, so a fine-tuning stage ({@link #initFrom})
     * takes its own value rather than the base run's.
     */
    public double attentionEntropy;
    /**
     * Dropout probability on the decoder's h before the output head (0: none). A regulariser of training, so a
     * fine-tuning stage takes its own value, like {@link #attentionEntropy}.
     */
    public double outputDropout;
    /** What the attention scores are conditioned on: H or H_AND_C (null: the decoder's default for the cell). */
    public AttentionState attentionState;
    /** The paper's fBeta gate on the context. */
    public boolean gated;
    /** Activation of the feature projection (RELU, IDENTITY, TANH ...). */
    public Activation projectionActivation = Activation.RELU;

    // optimisation
    public int batchSize = 32;
    public int epochs = 10;
    /** Caption pairs per epoch (0 = all). */
    public int pairsPerEpoch;
    public double learningRate = 4e-4;
    /** The learning rate is multiplied by this after every epoch. */
    public double learningRateDecay = 1.0;
    /** Element-wise gradient clipping (0 = off). */
    public double gradientClip = 5.0;
    /** Scheduled sampling: probability of feeding the previous predicted word instead of the true one. */
    public double scheduledSampling;
    /** Horizontal-flip augmentation: each training pair mirrored with probability 1/2 ("left"/"right" swapped). */
    public boolean horizontalFlip;
    /**
     * Self-critical sequence training: each batch is {@code batchSize} images, each with {@link #scstSamples} sampled
     * captions rewarded by CIDEr-D against the greedy caption's (a fine-tuning stage after cross-entropy training).
     */
    public boolean scst;
    /** Captions sampled per image in self-critical training. */
    public int scstSamples = 5;
    /**
     * The reward baseline of self-critical training. The greedy caption's (the paper's) collapsed both full runs tried
     * here (samples at temperature 1 are mostly worse than greedy, so nearly every advantage was negative and the
     * captions became "a man in orange and orange and ..." within one epoch); the other samples' mean is the default.
     */
    public SelfCritical.Baseline scstBaseline = SelfCritical.Baseline.SAMPLE_MEAN;
    /**
     * A checkpoint of a trained run ({@code best.zip}) to start from instead of a new network: a fine-tuning stage
     * such as {@link #scst}. Its encoder, vocabulary and network settings replace this configuration's.
     */
    public String initFrom;
    public long seed = 42;

    // checkpoints and validation
    public int checkpointEverySteps = 500;
    public double checkpointEveryMinutes = 10;
    /** Dev images decoded for the metrics after each epoch (0 = all). */
    public int validationImages;
    /** Beam size of the validation decoding (1 = greedy). */
    public int validationBeam = 1;
    /** Stop after this many epochs without a better dev score (0 = never). */
    public int earlyStoppingPatience;
    /** What makes an epoch's network the best one ({@code best.zip}) and what early stopping watches. */
    public Selection selectBy = Selection.DEV_LOSS;

    /** The dev score that picks the best network. */
    public enum Selection {
        /** The lowest teacher-forced dev loss (cheap: no decoding needed). */
        DEV_LOSS,
        /** The highest CIDEr-D of the validation captions (what people read; needs validation decoding). */
        CIDER_D
    }

    /** The encoder as a spec ({@code nsfwjs:MIXED5}), the form saved models record. */
    public EncoderSpec encoderSpec() {
        return EncoderSpec.of(encoder, layer);
    }

    /** Throws a CaptionException naming the first bad setting. */
    public TrainConfig validate() {
        check(pool >= 1, "pool must be >= 1");
        check(limitImages >= 0, "limitImages must be >= 0");
        check(minCount >= 1, "minCount must be >= 1");
        check(maxWords >= 5, "maxWords must be >= 5");
        check(maxLength >= 2, "maxLength must be >= 2");
        check(projectionSize > 0 && hiddenSize > 0 && attentionSize > 0 && embeddingSize > 0 && outputHiddenSize > 0,
                "network sizes must be positive");
        check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)");
        check(attentionPenalty >= 0, "attentionPenalty must be >= 0");
        check(attentionEntropy >= 0 && Double.isFinite(attentionEntropy), "attentionEntropy must be finite and >= 0");
        check(outputDropout >= 0 && outputDropout < 1, "outputDropout must be in [0, 1)");
        check(batchSize >= 1, "batchSize must be >= 1");
        check(epochs >= 1, "epochs must be >= 1");
        check(pairsPerEpoch >= 0, "pairsPerEpoch must be >= 0");
        check(learningRate > 0, "learningRate must be > 0");
        check(learningRateDecay > 0 && learningRateDecay <= 1, "learningRateDecay must be in (0, 1]");
        check(gradientClip >= 0, "gradientClip must be >= 0");
        check(scheduledSampling >= 0 && scheduledSampling <= 1, "scheduledSampling must be in [0, 1]");
        check(scstSamples >= 1, "scstSamples must be >= 1");
        check(scstBaseline != null, "scstBaseline must be GREEDY or SAMPLE_MEAN");
        check(scstBaseline != SelfCritical.Baseline.SAMPLE_MEAN || scstSamples >= 2,
                "the SAMPLE_MEAN baseline needs scstSamples >= 2");
        check(checkpointEverySteps >= 0 && checkpointEveryMinutes >= 0, "checkpoint intervals must be >= 0");
        check(validationImages >= 0 && validationBeam >= 1, "validationImages must be >= 0 and validationBeam >= 1");
        check(earlyStoppingPatience >= 0, "earlyStoppingPatience must be >= 0");
        check(selectBy != null, "selectBy must be DEV_LOSS or CIDER_D");
        check(embedding == EmbeddingMode.SCRATCH || wordVectors != null,
                "embedding " + embedding + " needs wordVectors (a GloVe file)");
        return this;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new CaptionException("Bad training configuration: " + message);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TrainConfig fromJson(String json) {
        try {
            return JSON.readValue(json, TrainConfig.class);
        } catch (JsonProcessingException e) {
            throw new CaptionException("Bad training configuration JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * A copy of this configuration with the encoder, vocabulary and network settings of {@code base} (the run a
     * fine-tuning stage starts from), so that features, vocabulary and the recorded network match the trained one.
     */
    public TrainConfig withModelOf(TrainConfig base) {
        TrainConfig c = copy();
        c.encoder = base.encoder;
        c.layer = base.layer;
        c.pool = base.pool;
        c.minCount = base.minCount;
        c.maxWords = base.maxWords;
        c.projectionSize = base.projectionSize;
        c.hiddenSize = base.hiddenSize;
        c.attentionSize = base.attentionSize;
        c.embeddingSize = base.embeddingSize;
        c.outputHiddenSize = base.outputHiddenSize;
        c.cell = base.cell;
        c.embedding = base.embedding;
        c.wordVectors = base.wordVectors;
        c.dropout = base.dropout;
        c.attentionPenalty = base.attentionPenalty;
        c.attentionState = base.attentionState;
        c.gated = base.gated;
        c.projectionActivation = base.projectionActivation;
        return c;
    }

    public TrainConfig copy() {
        return fromJson(toJson());
    }
}
