package io.caption4j.layers;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;

/**
 * The Show-Attend-Tell network: feature projection, caption embedding, attention decoder and masked softmax
 * cross-entropy, as a {@link ComputationGraph} whose score also counts the penalties of {@link PenaltySource}
 * vertices (the decoder's doubly stochastic attention penalty: DL4J adds only layers' regularisation to the score,
 * so the penalty enters here, next to L1/L2, and its gradient in the vertex's own backward pass).
 * <p>Network inputs: {@value #FEATURES} [B, L, featDim] (mask [B, L] optional), {@value #POOLED} [B, P],
 * {@value #TOKENS} [B, T] input token ids (mask [B, T]). Labels: the next token ids [B, 1, T] (sparse, default)
 * or one-hot [B, V, T], with the label mask [B, T]. The score is the summed cross-entropy of the unmasked
 * steps divided by B, plus the attention penalty. Build one with {@link #builder()}.
 */
public class CaptionNetwork extends ComputationGraph {
    public static final String FEATURES = "features";
    public static final String POOLED = "pooled";
    public static final String TOKENS = "tokens";
    public static final String PROJECTION = "projection";
    public static final String EMBEDDING = "embedding";
    public static final String DECODER = "decoder";
    public static final String LOSS = "loss";
    public static final String FEATURE_LAYER = "feature-layer";


    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the reference configuration as defaults (vocabularySize is required). */
    public static final class Builder {
        private int featureSize = 2048, pooledSize = 2048, projectionSize = 512, embeddingSize = 300;
        private int hiddenSize = 512, attentionSize = 512, outputHiddenSize = 512, vocabularySize = -1;
        private CellType cellType = CellType.LSTM;
        private AttentionState attentionState;
        private boolean gated;
        private double attentionPenalty;
        private double attentionEntropy;
        private double projectionDropout;
        private double outputDropout;
        private Activation projectionActivation = Activation.RELU;
        private EmbeddingMode embeddingMode = EmbeddingMode.SCRATCH;
        private INDArray pretrainedEmbeddings;
        private IUpdater updater = new Adam(1e-3);
        private long seed = 12345;
        private DataType dataType = DataType.FLOAT;
        private boolean sparseLabels = true;
        private double gradientClip;
        private Layer featureLayer;

        /** Channels C of each feature region from the encoder (768 for mixed5; default 2048). */
        public Builder featureSize(int v) { featureSize = v; return this; }
        /** Size P of the pooled vector that starts the decoder (default 2048). */
        public Builder pooledSize(int v) { pooledSize = v; return this; }
        /** Size F the features are projected to before attention (default 512). */
        public Builder projectionSize(int v) { projectionSize = v; return this; }
        /** Word embedding size E (the GloVe dimension when pretrained; default 300). */
        public Builder embeddingSize(int v) { embeddingSize = v; return this; }
        /** Hidden size H of the LSTM or GRU cell (default 512). */
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        /** Size A of the additive attention's hidden layer (default 512). */
        public Builder attentionSize(int v) { attentionSize = v; return this; }
        /** Size of the dense + ReLU layer before the word logits (default 512). */
        public Builder outputHiddenSize(int v) { outputHiddenSize = v; return this; }
        /** Words V the decoder predicts, the vocabulary's size (required). */
        public Builder vocabularySize(int v) { vocabularySize = v; return this; }
        /** LSTM (default) or GRU. */
        public Builder cellType(CellType v) { cellType = v; return this; }
        /** What the attention is conditioned on: {@code [h; c]} (LSTM default) or {@code h}. */
        public Builder attentionState(AttentionState v) { attentionState = v; return this; }
        /** The paper's fBeta gate on the context (default off). */
        public Builder gated(boolean v) { gated = v; return this; }
        /** Activation of the feature projection (ReLU by default; IDENTITY keeps it linear). */
        public Builder projectionActivation(Activation v) { projectionActivation = v; return this; }
        /** Weight lambda of the doubly stochastic attention penalty (default 0: off). */
        public Builder attentionPenalty(double v) { attentionPenalty = v; return this; }
        /** Weight lambdaH of the attention entropy term (default 0: off); see {@link AttentionDecoder}. */
        public Builder attentionEntropy(double v) { attentionEntropy = v; return this; }
        /** Dropout probability on the encoder features during training (0 = none). */
        public Builder projectionDropout(double v) { projectionDropout = v; return this; }
        /** Dropout probability on h before the output head during training (0 = none); see {@link AttentionDecoder}. */
        public Builder outputDropout(double v) { outputDropout = v; return this; }
        /** How the embedding starts and trains; pretrained [vocabularySize, embeddingSize] for FROZEN and FINE_TUNE. */
        public Builder embeddings(EmbeddingMode mode, INDArray pretrained) {
            embeddingMode = mode;
            pretrainedEmbeddings = pretrained;
            return this;
        }
        /** The optimiser (default Adam 1e-3). */
        public Builder updater(IUpdater v) { updater = v; return this; }
        /** The feature regions every input must have (the training grid, e.g. 81 for 9x9); 0 = any (default). */
        public Builder regions(int v) { regions = v; return this; }
        private int regions;
        /** Seed of the parameter initialisation and dropout. */
        public Builder seed(long v) { seed = v; return this; }
        /** FLOAT (default) or DOUBLE (gradient checks). */
        public Builder dataType(DataType v) { dataType = v; return this; }
        /**
         * Inserts a DL4J layer between the {@value #FEATURES} input and the projection, as vertex {@value #FEATURE_LAYER};
         * {@code projectionInput} (its output size) becomes the projection's input size. DL4J's own feed-forward layers
         * ({@code DenseLayer}, ...) are applied to each region; any other layer (a {@code SameDiffLayer}, a layer of your
         * own) gets the features as [B, L, featureSize] and must return [B, L, projectionInput].
         */
        public Builder featureLayer(Layer layer, int projectionInput) {
            featureLayer = layer;
            featureLayerOut = projectionInput;
            return this;
        }
        private int featureLayerOut;
        /** Clips every gradient element to [-v, v] before the update (0 = no clipping; the tutorial's value is 5). */
        public Builder gradientClip(double v) { gradientClip = v; return this; }
        /** Labels as token ids [B, 1, T] (true, default) or one-hot [B, V, T]. */
        public Builder sparseLabels(boolean v) { sparseLabels = v; return this; }

        /** The configuration, validated. */
        public ComputationGraphConfiguration configuration() {
            if (vocabularySize <= 1) {
                throw new IllegalArgumentException("vocabularySize must be set and > 1, got " + vocabularySize);
            }
            if (projectionDropout < 0 || projectionDropout >= 1) {
                throw new IllegalArgumentException("projectionDropout must be in [0, 1), got " + projectionDropout);
            }
            FeatureProjection.Builder proj = FeatureProjection.builder()
                    .nIn(featureLayer == null ? featureSize : featureLayerOut).nOut(projectionSize)
                    .inputGradient(featureLayer != null) // without a feature layer its input is the network input
                    .activation(projectionActivation);
            if (projectionDropout > 0) {
                proj.dropOut(1.0 - projectionDropout); // DL4J takes the retain probability
            }
            CaptionEmbedding.Builder emb = CaptionEmbedding.builder().vocabularySize(vocabularySize)
                    .embeddingSize(embeddingSize).mode(embeddingMode).pretrained(pretrainedEmbeddings);
            AttentionDecoder.Builder dec = AttentionDecoder.builder().featureSize(projectionSize).pooledSize(pooledSize)
                    .embeddingSize(embeddingSize).hiddenSize(hiddenSize).attentionSize(attentionSize)
                    .outputHiddenSize(outputHiddenSize).vocabularySize(vocabularySize).cellType(cellType)
                    .gated(gated).attentionPenalty(attentionPenalty).attentionEntropy(attentionEntropy)
                    .outputDropout(outputDropout).regions(regions);
            if (attentionState != null) {
                dec.attentionState(attentionState);
            }
            if (gradientClip < 0 || Double.isNaN(gradientClip)) {
                throw new IllegalArgumentException("gradientClip must be >= 0 (0 = off), got " + gradientClip);
            }
            NeuralNetConfiguration.Builder global = new NeuralNetConfiguration.Builder();
            if (gradientClip > 0) {
                global.gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue)
                        .gradientNormalizationThreshold(gradientClip);
            }
            ComputationGraphConfiguration.GraphBuilder g = global
                    .seed(seed)
                    .dataType(dataType)
                    .updater(updater)
                    .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                    .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                    .graphBuilder()
                    .addInputs(FEATURES, POOLED, TOKENS);
            boolean perRegion = appliesPerRegion(featureLayer);
            if (featureLayer != null) {
                if (perRegion) {        // [B, L, C] -> [B*L, C] for the layer, back to [B, L, C'] for the projection
                    g.addLayer(FEATURE_LAYER, featureLayer, new RnnToFeedForwardPreProcessor(RNNFormat.NWC), FEATURES);
                } else {
                    g.addLayer(FEATURE_LAYER, featureLayer, FEATURES);
                }
            }
            if (perRegion) {
                g.addLayer(PROJECTION, proj.build(), new FeedForwardToRnnPreProcessor(RNNFormat.NWC), FEATURE_LAYER);
            } else {
                g.addLayer(PROJECTION, proj.build(), featureLayer == null ? FEATURES : FEATURE_LAYER);
            }
            return g
                    .addLayer(EMBEDDING, emb.build(), TOKENS)
                    .addVertex(DECODER, dec.build(), PROJECTION, POOLED, EMBEDDING)
                    .addLayer(LOSS, new RnnLossLayer.Builder()
                            .lossFunction(sparseLabels ? new LossSparseMCXENT() : new LossMCXENT())
                            .activation(Activation.SOFTMAX).build(), DECODER)
                    .setOutputs(LOSS)
                    .build();
        }

        /** DL4J's own feed-forward layers (DenseLayer, ...) take [N, C]: they are applied to each region. */
        private static boolean appliesPerRegion(Layer layer) {
            return layer instanceof FeedForwardLayer && layer.getClass().getName().startsWith("org.deeplearning4j.");
        }

        /** A new, initialised network. */
        public CaptionNetwork build() {
            CaptionNetwork g = new CaptionNetwork(configuration());
            g.init();
            return g;
        }
    }

    public CaptionNetwork(ComputationGraphConfiguration configuration) {
        super(configuration);
    }

    /** Saves configuration, parameters and updater state (DL4J's model zip format). */
    public void save(File file) throws IOException {
        ModelSerializer.writeModel(this, file, true);
    }

    /** Writes configuration, parameters and updater state to a stream (DL4J's model zip format). */
    public void save(OutputStream out) throws IOException {
        ModelSerializer.writeModel(this, out, true);
    }

    /** Loads a network saved by {@link #save} (or by DL4J's ModelSerializer) as a CaptionNetwork. */
    public static CaptionNetwork load(File file) throws IOException {
        if (!file.isFile()) {
            throw new FileNotFoundException("No model file at " + file.getAbsolutePath());
        }
        ComputationGraph plain;
        try {
            plain = ModelSerializer.restoreComputationGraph(file, true);
        } catch (RuntimeException e) {
            throw new IOException("Cannot read a caption4j network from " + file + ": " + e.getMessage(), e);
        }
        return of(plain);
    }

    /** Loads a network written by {@link #save(OutputStream)}; the stream is read to its end, not closed. */
    public static CaptionNetwork load(InputStream in, String name) throws IOException {
        ComputationGraph plain;
        try {
            plain = ModelSerializer.restoreComputationGraph(in, true);
        } catch (RuntimeException e) {
            throw new IOException("Cannot read a caption4j network from " + name + ": " + e.getMessage(), e);
        }
        return of(plain);
    }

    private static CaptionNetwork of(ComputationGraph plain) {
        CaptionNetwork g = new CaptionNetwork(plain.getConfiguration());
        g.init(plain.params(), false);
        if (plain.getUpdater(false) != null && plain.getUpdater(false).getStateViewArray() != null) {
            g.getUpdater(true).getStateViewArray().assign(plain.getUpdater(false).getStateViewArray());
        }
        return g;
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        double score = super.calcRegularizationScore(backpropParamsOnly);
        if (getVertices() != null) {
            for (GraphVertex v : getVertices()) {
                if (v instanceof PenaltySource) {
                    score += ((PenaltySource) v).penaltyScore();
                }
            }
        }
        return score;
    }
}
