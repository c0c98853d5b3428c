package io.caption4j.core.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns (encoded image, caption) pairs into a training batch for {@code CaptionNetwork}: features
 * [B, L, C], pooled [B, C], input ids [B, T] ({@code <start>} w1 .. wn), target ids [B, 1, T] (w1 .. wn
 * {@code <end>}) and the step mask [B, T]; T is the longest caption in the batch plus one, at most maxLength
 * (longer captions are cut and lose their {@code <end>}). {@link #readBatch} makes one of dataset pairs, reading their
 * features from a {@link FeatureSource} and leaving out the pairs whose image cannot be read.
 */
public final class CaptionBatcher {
    /** A batch of dataset pairs. */
    public static final class Batch {
        /** The batch of the pairs whose images could be read, or null if none could. */
        public final MultiDataSet data;
        /** How many pairs were left out because their image could not be read. */
        public final int skippedPairs;

        Batch(MultiDataSet data, int skippedPairs) {
            this.data = data;
            this.skippedPairs = skippedPairs;
        }
    }

    private final Vocabulary vocabulary;
    private final Tokenizer tokenizer;
    private final int maxLength;

    public CaptionBatcher(Vocabulary vocabulary, Tokenizer tokenizer, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
        }
        this.vocabulary = vocabulary;
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    /** The batch of the pairs whose images {@code features} can read, in order; counts the others. */
    public Batch readBatch(List<EpochSampler.Pair> pairs, FeatureSource features) {
        return readBatch(pairs, features, null);
    }

    /**
     * As {@link #readBatch(List, FeatureSource)}, each pair mirrored ({@link HorizontalFlip}) with probability 1/2
     * drawn from {@code flips}; null flips none.
     */
    public Batch readBatch(List<EpochSampler.Pair> pairs, FeatureSource features, Random flips) {
        List<CaptionDataset.Example> examples = new ArrayList<>(pairs.size());
        for (EpochSampler.Pair p : pairs) {
            examples.add(p.example);
        }
        Map<CaptionDataset.Example, EncodedImage> encoded = features.features(examples);
        List<EncodedImage> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        int skipped = 0;
        for (EpochSampler.Pair p : pairs) {
            EncodedImage e = encoded.get(p.example);
            if (e != null) {
                boolean flip = flips != null && flips.nextBoolean();
                images.add(flip ? HorizontalFlip.flip(e) : e);
                captions.add(flip ? HorizontalFlip.swapLeftRight(p.caption) : p.caption);
            } else {
                skipped++;
            }
        }
        return new Batch(images.isEmpty() ? null : batch(images, captions), skipped);
    }

    /** The batch of encoded images and their captions (as many of each). */
    public MultiDataSet batch(List<EncodedImage> images, List<String> captions) {
        if (images.size() != captions.size() || images.isEmpty()) {
            throw new IllegalArgumentException("Need as many captions as images (got " + images.size() + " and "
                    + captions.size() + ")");
        }
        List<int[]> ids = new ArrayList<>();
        for (String c : captions) {
            ids.add(vocabulary.encode(tokenizer.tokenize(c)));                     // <start> w.. <end>
        }
        return batchOfIds(images, ids);
    }

    /**
     * The batch of encoded images and their token-id sequences (as many of each), each {@code <start> w..} followed by
     * {@code <end>} where the caption ended: a sequence without it (a sampled caption cut at the maximum length) is
     * trained on its words only. Sequences longer than the maximum length are cut.
     */
    public MultiDataSet batchOfIds(List<EncodedImage> images, List<int[]> ids) {
        if (images.size() != ids.size() || images.isEmpty()) {
            throw new IllegalArgumentException("Need as many sequences as images (got " + images.size() + " and "
                    + ids.size() + ")");
        }
        int b = images.size();
        int regions = images.get(0).regions();
        long channels = images.get(0).channels();
        long pooledSize = images.get(0).pooled().length();          // may differ from channels (another layer's mean)
        int steps = 1;
        for (int[] seq : ids) {
            steps = Math.max(steps, Math.min(maxLength, seq.length - 1));
        }
        INDArray feats = Nd4j.create(DataType.FLOAT, b, regions, channels);
        INDArray pooled = Nd4j.create(DataType.FLOAT, b, pooledSize);                        // [B, P]
        float[] in = new float[b * steps], target = new float[b * steps], mask = new float[b * steps];
        for (int i = 0; i < b; i++) {
            EncodedImage e = images.get(i);
            if (e.regions() != regions || e.channels() != channels || e.pooled().length() != pooledSize) {
                throw new IllegalArgumentException("Image " + i + " has " + e.regions() + "x" + e.channels()
                        + " features and a pooled vector of " + e.pooled().length() + ", the first " + regions + "x"
                        + channels + " and " + pooledSize);
            }
            feats.putSlice(i, e.spatial().castTo(DataType.FLOAT));
            pooled.putRow(i, e.pooled().castTo(DataType.FLOAT));
            int[] seq = ids.get(i);
            for (int t = 0; t < Math.min(steps, seq.length - 1); t++) {
                in[i * steps + t] = seq[t];
                target[i * steps + t] = seq[t + 1];
                mask[i * steps + t] = 1;
            }
        }
        INDArray m = Nd4j.create(mask, new long[]{b, steps}, DataType.FLOAT);
        return new MultiDataSet(
                new INDArray[]{feats, pooled, Nd4j.create(in, new long[]{b, steps}, DataType.FLOAT)},
                new INDArray[]{Nd4j.create(target, new long[]{b, 1, steps}, DataType.FLOAT)},
                new INDArray[]{null, null, m}, new INDArray[]{m});
    }
}
