package io.caption4j.core.train;

import java.util.Random;

import io.caption4j.layers.CaptionNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Partial teacher forcing (scheduled sampling, Bengio et al. 2015) in its two-pass form: a first pass, in
 * inference mode and fully teacher-forced, predicts every next word; then each input word after the first is
 * replaced, with probability p, by the word the model predicted at that position. The training pass runs on
 * the mixed inputs. (The two-pass form, Mihaylova and Martins 2019, keeps training one batched pass over the
 * sequence; the feed is the model's prediction given true history, not its own earlier feeds.)
 */
public final class ScheduledSampling {
    private ScheduledSampling() {
    }

    /** Replaces input tokens of the batch in place. */
    public static void apply(CaptionNetwork net, MultiDataSet mds, double p, Random random) {
        INDArray tokens = mds.getFeatures(2);                                                   // [B, T]
        INDArray mask = mds.getFeaturesMaskArray(2);                                            // [B, T]
        INDArray probs = net.output(false, mds.getFeatures(), mds.getFeaturesMaskArrays(),
                mds.getLabelsMaskArrays())[0];                                                  // [B, V, T]
        INDArray predicted = Nd4j.argMax(probs, 1).castTo(DataType.FLOAT);                       // [B, T]
        long b = tokens.size(0), t = tokens.size(1);
        for (int i = 0; i < b; i++) {
            for (int s = 1; s < t; s++) {
                if (mask.getDouble(i, s) != 0 && random.nextDouble() < p) {
                    tokens.putScalar(i, s, predicted.getDouble(i, s - 1));                        // the prediction for position s
                }
            }
        }
    }
}
