package io.caption4j.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.caption4j.core.CaptionModel;
import io.caption4j.core.ProgressListener;
import io.caption4j.core.data.CaptionBatcher;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.EpochSampler;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.decode.CaptionSearch;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.decode.DecodedCaption;
import io.caption4j.core.eval.AttentionStatistics;
import io.caption4j.core.eval.Bleu;
import io.caption4j.core.eval.CiderD;
import io.caption4j.core.eval.ObjectMentions;
import io.caption4j.core.eval.RougeL;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.text.Tokenizer;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.layers.CaptionNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Dev loss, caption decoding over a data set, and the coco-caption metrics of the decoded captions. */
public final class Evaluator {
    private Evaluator() {
    }

    /** One image's decoded caption. */
    public static final class Prediction {
        public final CaptionDataset.Example example;
        public final List<String> words;
        public final DecodedCaption decoded;

        Prediction(CaptionDataset.Example example, List<String> words, DecodedCaption decoded) {
            this.example = example;
            this.words = words;
            this.decoded = decoded;
        }

        public String caption() {
            return String.join(" ", words);
        }
    }

    /** BLEU-1..4, CIDEr-D and ROUGE-L of a set of predictions. */
    public static final class Metrics {
        public final double[] bleu;
        public final double ciderD, rougeL;
        public final int images;
        /** How peaked the attention of the generated words is. */
        public final AttentionStatistics attention;
        /** Object-mention precision and recall for {@link ObjectMentions#DEFAULT_WORDS}. */
        public final List<ObjectMentions.Row> mentions;

        Metrics(double[] bleu, double ciderD, double rougeL, int images, AttentionStatistics attention,
                List<ObjectMentions.Row> mentions) {
            this.bleu = bleu;
            this.ciderD = ciderD;
            this.rougeL = rougeL;
            this.images = images;
            this.attention = attention;
            this.mentions = mentions;
        }

        @Override
        public String toString() {
            return String.format("BLEU-1 %.4f  BLEU-2 %.4f  BLEU-3 %.4f  BLEU-4 %.4f  CIDEr-D %.4f  ROUGE-L %.4f  (%d images)",
                    bleu[0], bleu[1], bleu[2], bleu[3], ciderD, rougeL, images);
        }
    }

    /** Cross-entropy per predicted token (no penalty) of the given pairs, teacher-forced, in inference mode. */
    public static double loss(CaptionNetwork net, List<EpochSampler.Pair> pairs, FeatureSource features,
                              CaptionBatcher batcher, int batchSize) {
        double sum = 0;
        long tokens = 0;
        for (int i = 0; i < pairs.size(); i += batchSize) {
            MultiDataSet mds = batcher.readBatch(pairs.subList(i, Math.min(pairs.size(), i + batchSize)), features).data;
            if (mds == null) {
                continue;
            }
            INDArray probs = net.output(false, mds.getFeatures(), mds.getFeaturesMaskArrays(),
                    mds.getLabelsMaskArrays())[0];                                                  // [B, V, T]
            double[] r = crossEntropy(probs, mds.getLabels(0), mds.getLabelsMaskArray(0));
            release(probs);
            for (INDArray a : mds.getFeatures()) {
                release(a);
            }
            sum += r[0];
            tokens += (long) r[1];
        }
        return tokens == 0 ? Double.NaN : sum / tokens;
    }

    /** Frees an array's off-heap memory now (validation makes many large ones that would otherwise wait for a GC). */
    private static void release(INDArray a) {
        if (a != null && !a.wasClosed() && a.closeable()) {
            a.close();
        }
    }

    /** Summed -log p(target) over unmasked steps, and the number of those steps. */
    static double[] crossEntropy(INDArray probs, INDArray targets, INDArray mask) {
        int b = (int) probs.size(0), v = (int) probs.size(1), t = (int) probs.size(2);
        float[] p = probs.castTo(DataType.FLOAT).dup('c').data().asFloat();        // [B, V, T]
        float[] y = targets.castTo(DataType.FLOAT).dup('c').data().asFloat();      // [B, 1, T]
        float[] m = mask.castTo(DataType.FLOAT).dup('c').data().asFloat();         // [B, T]
        double sum = 0;
        int n = 0;
        for (int i = 0; i < b; i++) {
            for (int s = 0; s < t; s++) {
                if (m[i * t + s] == 0) {
                    continue;
                }
                int target = (int) y[i * t + s];
                sum -= Math.log(Math.max(p[(i * v + target) * t + s], 1e-30f));
                n++;
            }
        }
        return new double[]{sum, n};
    }

    /** Decodes one caption per image, a batch of images at a time. */
    public static List<Prediction> predict(AttentionDecoderStep step, List<CaptionDataset.Example> examples,
                                           FeatureSource features, Vocabulary vocabulary, DecodeOptions options, int batchSize) {
        return predict(step, examples, features, vocabulary, options, batchSize, "decoding", ProgressListener.NONE);
    }

    /** Decodes one caption per image, a batch of images at a time, telling {@code progress} as task {@code task}. */
    public static List<Prediction> predict(AttentionDecoderStep step, List<CaptionDataset.Example> examples,
                                           FeatureSource features, Vocabulary vocabulary, DecodeOptions options, int batchSize,
                                           String task, ProgressListener progress) {
        return predict(images -> CaptionSearch.decode(step, images, vocabulary, options), examples, features, batchSize, task,
                progress);
    }

    /**
     * Decodes one caption per image with a model's decoders (all of an ensemble's), a batch of images at a time,
     * telling {@code progress} as task {@code task}.
     */
    public static List<Prediction> predict(CaptionModel model, List<CaptionDataset.Example> examples, FeatureSource features,
                                           DecodeOptions options, int batchSize, String task, ProgressListener progress) {
        return predict(images -> model.decode(images, options), examples, features, batchSize, task, progress);
    }

    private static List<Prediction> predict(Function<List<EncodedImage>, List<DecodedCaption>> decoder,
                                            List<CaptionDataset.Example> examples, FeatureSource features, int batchSize,
                                            String task, ProgressListener progress) {
        List<Prediction> out = new ArrayList<>();
        progress.onTaskStart(task, examples.size());
        try {
            for (int i = 0; i < examples.size(); i += batchSize) {
                List<CaptionDataset.Example> chunk = examples.subList(i, Math.min(examples.size(), i + batchSize));
                Map<CaptionDataset.Example, EncodedImage> encoded = features.features(chunk);
                if (!encoded.isEmpty()) {
                    List<CaptionDataset.Example> ok = new ArrayList<>(encoded.keySet());
                    List<EncodedImage> images = new ArrayList<>(encoded.values());
                    List<DecodedCaption> decoded = decoder.apply(images);
                    for (int j = 0; j < ok.size(); j++) {
                        out.add(new Prediction(ok.get(j), decoded.get(j).words, decoded.get(j)));
                    }
                }
                progress.onTaskProgress(chunk.size());
            }
        } finally {
            progress.onTaskEnd();
        }
        return out;
    }

    /** Scores predictions against their images' reference captions, all tokenized by the same tokenizer. */
    public static Metrics score(List<Prediction> predictions, Tokenizer tokenizer) {
        List<List<String>> hyps = new ArrayList<>();
        List<List<List<String>>> refs = new ArrayList<>();
        List<float[][]> attention = new ArrayList<>();
        for (Prediction p : predictions) {
            attention.add(p.decoded == null ? null : p.decoded.attention);
            hyps.add(tokenizer.tokenize(String.join(" ", p.words)));
            List<List<String>> r = new ArrayList<>();
            for (String c : p.example.captions) {
                r.add(tokenizer.tokenize(c));
            }
            refs.add(r);
        }
        if (hyps.isEmpty()) {
            return new Metrics(new double[4], 0, 0, 0, AttentionStatistics.of(attention), List.of());
        }
        return new Metrics(Bleu.score(hyps, refs), CiderD.score(hyps, refs), RougeL.score(hyps, refs), hyps.size(),
                AttentionStatistics.of(attention), ObjectMentions.score(hyps, refs, ObjectMentions.DEFAULT_WORDS));
    }
}
