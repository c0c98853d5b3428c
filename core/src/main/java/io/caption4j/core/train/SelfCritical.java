package io.caption4j.core.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.caption4j.core.data.CaptionBatcher;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.decode.CaptionSearch;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.decode.DecodedCaption;
import io.caption4j.core.eval.CiderD;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.layers.CaptionNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Self-critical sequence training (Rennie et al. 2017, arXiv 1612.00563): for each image, sample K captions from the
 * network, reward each with its CIDEr-D against the image's references, and subtract a {@link Baseline}: the greedy
 * caption's reward (the paper) or the mean of the image's other samples (the default, Luo 2020). The policy
 * gradient {@code -(r - b) grad log p(sample)} is the cross-entropy gradient of the sampled captions with each
 * caption's label mask scaled by its advantage {@code r - b}, so the network's own loss layer computes it: a
 * {@link Batch} is a teacher-forced batch of the samples with those weights.
 * <p>CIDEr-D's document frequencies come from all training references, as in the paper.
 */
public final class SelfCritical {
    private final Vocabulary vocabulary;
    private final Tokenizer tokenizer;
    private final CaptionBatcher batcher;
    private final int samples, maxLength;
    private final Baseline baseline;
    private final CiderD.Scorer cider;
    private final Map<CaptionDataset.Example, List<List<String>>> references = new HashMap<>();

    /** What a sample's reward is compared with. */
    public enum Baseline {
        /** The greedy caption's reward (Rennie et al. 2017). */
        GREEDY,
        /**
         * The mean reward of the image's other samples (Luo 2020, arXiv 2003.09971): advantages sum to zero per image,
         * so a network whose samples are mostly worse than its greedy caption is not pushed away from all it samples.
         */
        SAMPLE_MEAN
    }

    /** One step's teacher-forced batch of samples with advantage-weighted label mask, and its rewards. */
    public static final class Batch {
        /** The samples as a batch; label mask = token mask x advantage (may be negative). */
        public final MultiDataSet data;
        /** Summed CIDEr-D of the greedy captions and of the samples. */
        public final double greedyReward, sampleReward;
        public final int images;

        Batch(MultiDataSet data, double greedyReward, double sampleReward, int images) {
            this.data = data;
            this.greedyReward = greedyReward;
            this.sampleReward = sampleReward;
            this.images = images;
        }
    }

    /**
     * @param train the training set whose references give CIDEr-D's document frequencies
     * @param samples captions sampled per image (K >= 1)
     */
    public SelfCritical(CaptionDataset train, Vocabulary vocabulary, Tokenizer tokenizer, int samples, int maxLength,
                        Baseline baseline) {
        this.baseline = baseline;
        this.vocabulary = vocabulary;
        this.tokenizer = tokenizer;
        this.samples = samples;
        this.maxLength = maxLength;
        this.batcher = new CaptionBatcher(vocabulary, tokenizer, maxLength);
        List<List<List<String>>> corpus = new ArrayList<>();
        for (CaptionDataset.Example e : train.examples()) {
            corpus.add(references(e));
        }
        this.cider = new CiderD.Scorer(corpus);
    }

    private List<List<String>> references(CaptionDataset.Example e) {
        return references.computeIfAbsent(e, x -> {
            List<List<String>> refs = new ArrayList<>();
            for (String c : x.captions) {
                refs.add(tokenizer.tokenize(c));
            }
            return refs;
        });
    }

    /** The CIDEr-D of a decoded caption against the image's references (train-set document frequencies). */
    double reward(DecodedCaption caption, CaptionDataset.Example example) {
        List<String> words = tokenizer.tokenize(String.join(" ", vocabulary.decode(caption.tokens)));
        return cider.score(words, references(example));
    }

    /**
     * Decodes the images greedily and samples K captions each from the network's current weights (sampling seeded by
     * {@code seed}), and returns the samples' advantage-weighted batch.
     */
    public Batch batch(CaptionNetwork network, List<CaptionDataset.Example> examples, List<EncodedImage> images, long seed) {
        int b = images.size();
        List<DecodedCaption> greedy, sampled;
        try (AttentionDecoderStep step = AttentionDecoderStep.of(network)) {
            AttentionDecoderStep.State start = CaptionSearch.start(step, images);
            greedy = CaptionSearch.decode(step, start, DecodeOptions.greedy().withMaxLength(maxLength));
            int[] rows = new int[b * samples];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i / samples;                                   // image i's samples are rows iK .. iK+K-1
            }
            sampled = CaptionSearch.decode(step, start.select(rows),
                    DecodeOptions.sample(1.0, 0, seed).withMaxLength(maxLength));
        }
        List<EncodedImage> sampleImages = new ArrayList<>(b * samples);
        List<int[]> sequences = new ArrayList<>(b * samples);
        float[] advantage = new float[b * samples];
        double greedySum = 0, sampleSum = 0;
        for (int i = 0; i < b; i++) {
            double greedyReward = reward(greedy.get(i), examples.get(i));
            greedySum += greedyReward;
            double[] r = new double[samples];
            double total = 0;
            for (int k = 0; k < samples; k++) {
                r[k] = reward(sampled.get(i * samples + k), examples.get(i));
                total += r[k];
            }
            sampleSum += total;
            for (int k = 0; k < samples; k++) {
                double b0 = baseline == Baseline.GREEDY || samples == 1 ? greedyReward
                        : (total - r[k]) / (samples - 1);                      // the other samples' mean
                advantage[i * samples + k] = (float) (r[k] - b0);
                sampleImages.add(images.get(i));
                sequences.add(sequence(sampled.get(i * samples + k)));
            }
        }
        MultiDataSet data = batcher.batchOfIds(sampleImages, sequences);
        INDArray tokenMask = data.getLabelsMaskArray(0);                                            // [BK, T]
        INDArray weights = Nd4j.create(advantage, new long[]{b * samples, 1}, DataType.FLOAT);     // [BK, 1]
        data.setLabelsMaskArray(0, tokenMask.mulColumnVector(weights));                            // [BK, T], new array
        return new Batch(data, greedySum, sampleSum, b);
    }

    /** {@code <start> w..} and {@code <end>} if the sample ended (a cut one is trained on its words only). */
    private static int[] sequence(DecodedCaption c) {
        int[] seq = new int[c.tokens.length + (c.ended ? 2 : 1)];
        seq[0] = Vocabulary.START_ID;
        System.arraycopy(c.tokens, 0, seq, 1, c.tokens.length);
        if (c.ended) {
            seq[seq.length - 1] = Vocabulary.END_ID;
        }
        return seq;
    }
}
