package io.caption4j.core.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.text.Vocabulary;
import io.caption4j.layers.AttentionDecoderStep;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Greedy, beam and sampling decoding over {@link AttentionDecoderStep}s. Every strategy stops at {@code <end>} or the
 * maximum length and returns tokens, log-probability and per-word attention; {@link #decode(List, List, Vocabulary,
 * DecodeOptions)} is the whole path from encoded images to words. Beam search runs the k beams of an image as one batch.
 * Several decoders (an ensemble's members) are searched as one: the next word's distribution is the mean of theirs and
 * a word's attention their weights in proportion to their share of its probability. Stateless: safe for concurrent callers.
 */
public final class CaptionSearch {
    private CaptionSearch() {
    }

    /**
     * Captions encoded images (all with the same grid) in words: one decoder batch started from the images, searched
     * with the options, and the ids mapped to the vocabulary's words.
     */
    public static List<DecodedCaption> decode(AttentionDecoderStep step, List<EncodedImage> images, Vocabulary vocabulary,
                                              DecodeOptions o) {
        return decode(List.of(step), images, vocabulary, o);
    }

    /** As {@link #decode(AttentionDecoderStep, List, Vocabulary, DecodeOptions)} with an ensemble's member decoders. */
    public static List<DecodedCaption> decode(List<AttentionDecoderStep> members, List<EncodedImage> images,
                                              Vocabulary vocabulary, DecodeOptions o) {
        List<AttentionDecoderStep.State> starts = new ArrayList<>(members.size());
        for (AttentionDecoderStep m : members) {
            starts.add(start(m, images));
        }
        List<DecodedCaption> out = new ArrayList<>(images.size());
        for (DecodedCaption d : search(new Members(members), starts, o)) {
            out.add(d.inWords(vocabulary));
        }
        return out;
    }

    /** Starts a decoder batch from encoded images (all with the same grid). */
    public static AttentionDecoderStep.State start(AttentionDecoderStep step, List<EncodedImage> images) {
        int b = images.size();
        EncodedImage first = images.get(0);
        INDArray feats = Nd4j.create(DataType.FLOAT, b, first.regions(), first.channels());      // [B, L, C]
        INDArray pooled = Nd4j.create(DataType.FLOAT, b, first.pooled().length());                // [B, P]
        for (int i = 0; i < b; i++) {
            feats.putSlice(i, images.get(i).spatial().castTo(DataType.FLOAT));
            pooled.putRow(i, images.get(i).pooled().castTo(DataType.FLOAT));
        }
        return step.start(feats, pooled, null);
    }

    /** Decodes every image of a started batch into word ids. */
    public static List<DecodedCaption> decode(AttentionDecoderStep step, AttentionDecoderStep.State start, DecodeOptions o) {
        return search(new Members(List.of(step)), List.of(start), o);
    }

    /** Decodes every image of a batch started by each member (starts[j] by members[j]) into word ids, as an ensemble. */
    public static List<DecodedCaption> decode(List<AttentionDecoderStep> members, List<AttentionDecoderStep.State> starts,
                                              DecodeOptions o) {
        if (members.size() != starts.size()) {
            throw new IllegalArgumentException(members.size() + " decoders but " + starts.size() + " started batches");
        }
        return search(new Members(members), starts, o);
    }

    private static List<DecodedCaption> search(Members m, List<AttentionDecoderStep.State> start, DecodeOptions o) {
        switch (o.strategy) {
            case BEAM:
                List<DecodedCaption> out = new ArrayList<>();
                for (int i = 0; i < start.get(0).batchSize(); i++) {
                    out.add(beam(m, Members.select(start, i), o));
                }
                return out;
            case SAMPLE:
            case GREEDY:
            default:
                return sequential(m, start, o);
        }
    }

    /**
     * The decoders searched as one: each step runs every member, and the next word's log-probabilities are those of
     * the mean of the members' distributions (one member: its own, computed exactly as for a single model).
     */
    static final class Members {
        final List<AttentionDecoderStep> steps;

        Members(List<AttentionDecoderStep> steps) {
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("No decoder to search with");
            }
            this.steps = steps;
        }

        Scores step(List<AttentionDecoderStep.State> states, int[] tokens) {
            List<AttentionDecoderStep.Output> out = new ArrayList<>(steps.size());
            for (int j = 0; j < steps.size(); j++) {
                out.add(steps.get(j).step(states.get(j), tokens));
            }
            return new Scores(out);
        }

        /** One step of every member, and what the searches read of it row by row. */
        static final class Scores {
            final List<AttentionDecoderStep.Output> outs;
            private final double[][][] memberLogProbs;   // [row][member][word], an ensemble's, filled on first use

            Scores(List<AttentionDecoderStep.Output> outs) {
                this.outs = outs;
                this.memberLogProbs = new double[(int) outs.get(0).logits.size(0)][][];
            }

            private double[][] members(int row) {
                if (memberLogProbs[row] == null) {
                    double[][] lp = new double[outs.size()][];
                    for (int j = 0; j < outs.size(); j++) {
                        lp[j] = wordLogProbs(outs.get(j).logits.getRow(row).toFloatVector(), 1.0);
                    }
                    memberLogProbs[row] = lp;
                }
                return memberLogProbs[row];
            }

            /** Row {@code row}'s next-word log-probabilities at the temperature, masked as {@link #wordLogProbs}. */
            double[] logProbs(int row, double temperature) {
                if (outs.size() == 1) {
                    return wordLogProbs(outs.get(0).logits.getRow(row).toFloatVector(), temperature);
                }
                double[] mean = meanOfDistributions(members(row));
                return temperature == 1.0 ? mean : logSoftmax(mean, temperature);
            }

            /**
             * Row {@code row}'s attention for the word chosen there: each member's weights in proportion to its share of
             * the word's probability under the mean (the posterior that the word came from that member), so that a map
             * shows where the members that chose the word looked. One member: its own weights.
             */
            float[] alpha(int row, int word) {
                float[] first = outs.get(0).alpha.getRow(row).toFloatVector();
                if (outs.size() == 1) {
                    return first;
                }
                double[][] lp = members(row);
                double[] share = new double[outs.size()];
                for (int j = 0; j < outs.size(); j++) {
                    share[j] = lp[j][word];
                }
                share = softmaxOf(share);
                double[] a = new double[first.length];
                for (int j = 0; j < outs.size(); j++) {
                    float[] aj = j == 0 ? first : outs.get(j).alpha.getRow(row).toFloatVector();
                    for (int r = 0; r < a.length; r++) {
                        a[r] += share[j] * aj[r];
                    }
                }
                float[] out = new float[a.length];
                for (int r = 0; r < a.length; r++) {
                    out[r] = (float) a[r];
                }
                return out;
            }

            /** The members' states after this step. */
            List<AttentionDecoderStep.State> next() {
                List<AttentionDecoderStep.State> s = new ArrayList<>(outs.size());
                for (AttentionDecoderStep.Output o : outs) {
                    s.add(o.state);
                }
                return s;
            }
        }

        /** exp(x_j) / sum_k exp(x_k); all -infinity gives equal shares. */
        private static double[] softmaxOf(double[] x) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : x) {
                max = Math.max(max, v);
            }
            double[] out = new double[x.length];
            if (max == Double.NEGATIVE_INFINITY) {
                Arrays.fill(out, 1.0 / x.length);
                return out;
            }
            double sum = 0;
            for (int j = 0; j < x.length; j++) {
                out[j] = Math.exp(x[j] - max);
                sum += out[j];
            }
            for (int j = 0; j < x.length; j++) {
                out[j] /= sum;
            }
            return out;
        }

        static List<AttentionDecoderStep.State> select(List<AttentionDecoderStep.State> states, int... rows) {
            List<AttentionDecoderStep.State> s = new ArrayList<>(states.size());
            for (AttentionDecoderStep.State x : states) {
                s.add(x.select(rows));
            }
            return s;
        }
    }

    /** log of the mean of distributions given as log-probabilities: log((1/M) sum_j exp(logp_j)), word by word. */
    static double[] meanOfDistributions(double[][] logps) {
        int v = logps[0].length;
        double[] out = new double[v];
        for (int w = 0; w < v; w++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double[] lp : logps) {
                max = Math.max(max, lp[w]);
            }
            if (max == Double.NEGATIVE_INFINITY) {
                out[w] = max;
                continue;
            }
            double sum = 0;
            for (double[] lp : logps) {
                sum += Math.exp(lp[w] - max);
            }
            out[w] = max + Math.log(sum / logps.length);
        }
        return out;
    }

    /** Ids a caption never contains: the decoder's distribution is renormalised over the other words. */
    private static final int[] NEVER_EMITTED = {Vocabulary.PAD_ID, Vocabulary.START_ID, Vocabulary.UNK_ID};

    /**
     * The next word's log-probabilities, with temperature: {@code <pad>}, {@code <start>} and {@code <unk>} masked
     * out (log-probability -infinity, the rest renormalised), as the reference implementations do, so that no
     * strategy ever writes "a <unk> costume".
     */
    static double[] wordLogProbs(float[] logits, double temperature) {
        float[] masked = logits.clone();
        for (int id : NEVER_EMITTED) {
            if (id < masked.length) {
                masked[id] = Float.NEGATIVE_INFINITY;
            }
        }
        return logSoftmax(masked, temperature);
    }

    /**
     * Sets to -infinity the log-probability of every word that would make the caption so far end with an n-gram it
     * already contains ({@code n <= 0}: nothing blocked).
     */
    static void blockRepeats(double[] logp, int[] tokens, int length, int n) {
        if (n <= 0 || length < n - 1) {
            return;
        }
        int prefix = n - 1;
        for (int j = 0; j + prefix < length; j++) {
            boolean same = true;
            for (int k = 0; k < prefix && same; k++) {
                same = tokens[j + k] == tokens[length - prefix + k];
            }
            if (same) {
                logp[tokens[j + prefix]] = Double.NEGATIVE_INFINITY;
            }
        }
    }

    /** log-softmax of a row of logits, with temperature. */
    static double[] logSoftmax(float[] logits, double temperature) {
        double[] d = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            d[i] = logits[i];
        }
        return logSoftmax(d, temperature);
    }

    /** log-softmax of a row of (double) logits, with temperature; -infinity stays -infinity. */
    static double[] logSoftmax(double[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v / temperature);
        }
        double sum = 0;
        for (double v : logits) {
            sum += Math.exp(v / temperature - max);
        }
        double logZ = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] / temperature - logZ;
        }
        return out;
    }

    private static List<DecodedCaption> sequential(Members m, List<AttentionDecoderStep.State> s, DecodeOptions o) {
        int b = (int) s.get(0).batchSize();
        Random rnd = new Random(o.seed);
        List<List<Integer>> tokens = new ArrayList<>();
        List<List<float[]>> att = new ArrayList<>();
        double[] logp = new double[b];
        boolean[] done = new boolean[b];
        for (int i = 0; i < b; i++) {
            tokens.add(new ArrayList<>());
            att.add(new ArrayList<>());
        }
        int[] prev = new int[b];
        Arrays.fill(prev, Vocabulary.START_ID);
        for (int t = 0; t < o.maxLength && !allTrue(done); t++) {
            Members.Scores out = m.step(s, prev);
            for (int i = 0; i < b; i++) {
                if (done[i]) {
                    prev[i] = Vocabulary.PAD_ID;
                    continue;
                }
                double[] lp = out.logProbs(i, 1.0);
                int[] sofar = o.noRepeatNgram > 0 ? tokens.get(i).stream().mapToInt(Integer::intValue).toArray() : null;
                blockRepeats(lp, sofar, sofar == null ? 0 : sofar.length, o.noRepeatNgram);
                double[] choice = lp;
                if (o.strategy == DecodeOptions.Strategy.SAMPLE) {
                    choice = out.logProbs(i, o.temperature);
                    blockRepeats(choice, sofar, sofar == null ? 0 : sofar.length, o.noRepeatNgram);
                }
                int w = o.strategy == DecodeOptions.Strategy.SAMPLE ? sample(choice, o.topK, rnd) : argmax(lp);
                logp[i] += lp[w];
                att.get(i).add(out.alpha(i, w));
                if (w == Vocabulary.END_ID) {
                    done[i] = true;
                } else {
                    tokens.get(i).add(w);
                }
                prev[i] = w;
            }
            s = out.next();
        }
        List<DecodedCaption> res = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            res.add(new DecodedCaption(tokens.get(i).stream().mapToInt(Integer::intValue).toArray(), logp[i],
                    att.get(i).toArray(new float[0][]), done[i]));
        }
        return res;
    }

    private static final class Hyp {
        final int[] tokens;
        final double logp;
        final float[][] att;
        final int row;

        Hyp(int[] tokens, double logp, float[][] att, int row) {
            this.tokens = tokens;
            this.logp = logp;
            this.att = att;
            this.row = row;
        }
    }

    private static double normalised(double logp, int length, double alpha) {
        return alpha == 0 ? logp : logp / Math.pow(Math.max(1, length), alpha);
    }

    private static DecodedCaption beam(Members m, List<AttentionDecoderStep.State> one, DecodeOptions o) {
        int k = o.beamSize;
        List<Hyp> live = List.of(new Hyp(new int[0], 0, new float[0][], 0));
        List<AttentionDecoderStep.State> s = one;
        List<Hyp> finished = new ArrayList<>();
        for (int t = 0; t < o.maxLength && !live.isEmpty(); t++) {
            int[] prev = new int[live.size()];
            for (int i = 0; i < live.size(); i++) {
                Hyp h = live.get(i);
                prev[i] = h.tokens.length == 0 ? Vocabulary.START_ID : h.tokens[h.tokens.length - 1];
            }
            Members.Scores out = m.step(s, prev);
            PriorityQueue<double[]> best = new PriorityQueue<>(Comparator.comparingDouble(a -> a[0]));
            double[][] lps = new double[live.size()][];
            for (int i = 0; i < live.size(); i++) {
                lps[i] = out.logProbs(i, 1.0);
                blockRepeats(lps[i], live.get(i).tokens, live.get(i).tokens.length, o.noRepeatNgram);
                for (int w = 0; w < lps[i].length; w++) {
                    double score = live.get(i).logp + lps[i][w];
                    if (score == Double.NEGATIVE_INFINITY) {
                        continue; // a masked or blocked word
                    }
                    if (best.size() < k) {
                        best.add(new double[]{score, i, w});
                    } else if (score > best.peek()[0]) {
                        best.poll();
                        best.add(new double[]{score, i, w});
                    }
                }
            }
            List<double[]> chosen = new ArrayList<>(best);
            chosen.sort(Comparator.comparingDouble(a -> -a[0]));
            List<Hyp> next = new ArrayList<>();
            List<Integer> rows = new ArrayList<>();
            for (double[] c : chosen) {
                Hyp h = live.get((int) c[1]);
                int w = (int) c[2];
                float[][] att = Arrays.copyOf(h.att, h.att.length + 1);
                att[h.att.length] = out.alpha((int) c[1], w);
                if (w == Vocabulary.END_ID) {
                    finished.add(new Hyp(h.tokens, c[0], att, -1));
                } else {
                    int[] toks = Arrays.copyOf(h.tokens, h.tokens.length + 1);
                    toks[h.tokens.length] = w;
                    next.add(new Hyp(toks, c[0], att, next.size()));
                    rows.add((int) c[1]);
                }
            }
            if (finished.size() >= k || next.isEmpty()) {
                break;
            }
            s = Members.select(out.next(), rows.stream().mapToInt(Integer::intValue).toArray());
            live = next;
        }
        List<Hyp> pool = new ArrayList<>(finished);
        boolean ended = !finished.isEmpty();
        if (!ended) {
            pool.addAll(live);
        }
        Hyp bestHyp = pool.stream().max(Comparator.comparingDouble(h ->
                normalised(h.logp, h.tokens.length + (h.row < 0 ? 1 : 0), o.lengthPenalty))).orElseThrow();
        return new DecodedCaption(bestHyp.tokens, bestHyp.logp, bestHyp.att, bestHyp.row < 0);
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int sample(double[] logp, int topK, Random rnd) {
        int n = logp.length;
        double cutoff = Double.NEGATIVE_INFINITY;
        if (topK > 0 && topK < n) {
            double[] sorted = logp.clone();
            Arrays.sort(sorted);
            cutoff = sorted[n - topK];
        }
        double total = 0;
        for (double v : logp) {
            if (v >= cutoff && v > Double.NEGATIVE_INFINITY) {
                total += Math.exp(v);
            }
        }
        double u = rnd.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (logp[i] >= cutoff && logp[i] > Double.NEGATIVE_INFINITY) {
                last = i;
                u -= Math.exp(logp[i]);
                if (u <= 0) {
                    return i;
                }
            }
        }
        return last;
    }

    private static boolean allTrue(boolean[] a) {
        for (boolean b : a) {
            if (!b) {
                return false;
            }
        }
        return true;
    }
}
