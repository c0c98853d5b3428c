package io.caption4j.layers.math;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.stream.IntStream;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The elementwise part of additive attention, the hot spot of training and decoding, written once per path:
 * <ul>
 * <li>float (training and inference): fused loops. ND4J runs {@code keys + W_s s}, {@code tanh}, {@code . v}
 * and their gradients as separate passes over [B, L, A] (and its tanh costs about 6 ns an element here); these
 * loops make one pass each, on the arrays' own memory, batch rows split over the cores, with a rational tanh
 * accurate to a few ulp (Eigen's).</li>
 * <li>every other type (double: the gradient checks and the PyTorch references): the same formula in plain
 * ND4J ops, short enough to read as the specification of the loop.</li>
 * </ul>
 * {@code FloatKernelTest} checks the loops against the ND4J ops. All arrays must be c-ordered and contiguous.
 */
final class AttentionKernels {
    private AttentionKernels() {
    }

    private static final float TANH_CLAMP = 7.90531110763549805f;

    /** tanh for float, Eigen's 13/6 rational approximation (max error 3e-7), branch-free so loops vectorise. */
    static float tanh(float x) {
        float c = Math.max(-TANH_CLAMP, Math.min(TANH_CLAMP, x));
        float x2 = c * c;
        float p = -2.76076847742355e-16f;
        p = p * x2 + 2.00018790482477e-13f;
        p = p * x2 + -8.60467152213735e-11f;
        p = p * x2 + 5.12229709037114e-08f;
        p = p * x2 + 1.48572235717979e-05f;
        p = p * x2 + 6.37261928875436e-04f;
        p = p * x2 + 4.89352455891786e-03f;
        p = p * c;
        float q = 1.19825839466702e-06f;
        q = q * x2 + 1.18534705686654e-04f;
        q = q * x2 + 2.26843463243900e-03f;
        q = q * x2 + 4.89352518554385e-03f;
        return p / q;
    }

    /** Whether the array's elements are laid out densely in row-major order (size-1 dimensions ignored). */
    static boolean contiguousC(INDArray a) {
        long expected = 1;
        for (int i = a.rank() - 1; i >= 0; i--) {
            if (a.size(i) != 1 && a.stride(i) != expected) {
                return false;
            }
            expected *= a.size(i);
        }
        return true;
    }

    private static void check(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (!contiguousC(a)) {
                throw new IllegalArgumentException("Kernel needs c-ordered contiguous arrays, got " + a.shapeInfoToString());
            }
        }
    }

    /** Dot product with 8 partial sums (the JIT does not vectorise a single float reduction). */
    private static float dot(float[] x, float[] y) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int n = x.length, i = 0;
        for (; i + 7 < n; i += 8) {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
            s4 += x[i + 4] * y[i + 4];
            s5 += x[i + 5] * y[i + 5];
            s6 += x[i + 6] * y[i + 6];
            s7 += x[i + 7] * y[i + 7];
        }
        for (; i < n; i++) {
            s0 += x[i] * y[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    private static FloatBuffer f(INDArray a) {
        return a.data().asNioFloat();
    }

    private static IntStream rows(int n) {
        IntStream s = IntStream.range(0, n);
        return n > 1 ? s.parallel() : s;
    }

    /**
     * tq[b,i,:] = tanh(keys[b,i,:] + sA[b,:]); score[b,i] = tq[b,i,:] . v.
     * keys, tq [B, L, A]; sA [B, A]; v [A, 1]; score [B, L].
     */
    static void scores(INDArray keys, INDArray sA, INDArray v, INDArray tq, INDArray score) {
        check(keys, sA, v, tq, score);
        int bSize = (int) keys.size(0), regions = (int) keys.size(1), att = (int) keys.size(2);
        long oK = keys.offset(), oS = sA.offset(), oV = v.offset(), oT = tq.offset(), oSc = score.offset();
        if (keys.dataType() == DataType.FLOAT) {
            FloatBuffer k = f(keys), s = f(sA), vv = f(v), t = f(tq), sc = f(score);
            float[] vArr = new float[att];
            vv.get((int) oV, vArr);
            rows(bSize).forEach(b -> {
                float[] sRow = new float[att], y = new float[att], scores = new float[regions];
                s.get((int) (oS + (long) b * att), sRow);
                for (int i = 0; i < regions; i++) {
                    int base = (b * regions + i) * att;
                    k.get((int) (oK + base), y);
                    for (int a = 0; a < att; a++) {
                        y[a] = tanh(y[a] + sRow[a]);
                    }
                    t.put((int) (oT + base), y);
                    scores[i] = dot(y, vArr);
                }
                sc.put((int) (oSc + (long) b * regions), scores);
            });
        } else {
            Broadcast.add(keys, sA, tq, 0, 2);                                      // keys + W_s s, [B, L, A]
            Transforms.tanh(tq, false);                                             // tq
            score.assign(tq.reshape('c', (long) bSize * regions, att).mmul(v).reshape('c', bSize, regions)); // [B, L]
        }
    }

    /**
     * Backward of {@link #scores}: with dPre = dScore[b,i] * v * (1 - tq^2), adds dPre to dKeys, sets
     * dSA[b,:] = sum_i dPre[b,i,:] and adds sum_{b,i} dScore[b,i] tq[b,i,:] to dv.
     * tq, dKeys [B, L, A]; dScore [B, L]; v, dv [A, 1]; dSA [B, A].
     */
    static void scoresBackward(INDArray tq, INDArray dScore, INDArray v, INDArray dKeys, INDArray dSA, INDArray dv) {
        check(tq, dScore, v, dKeys, dSA, dv);
        int bSize = (int) tq.size(0), regions = (int) tq.size(1), att = (int) tq.size(2);
        long oT = tq.offset(), oD = dScore.offset(), oV = v.offset(), oK = dKeys.offset(), oS = dSA.offset(), oDv = dv.offset();
        if (tq.dataType() == DataType.FLOAT) {
            FloatBuffer t = f(tq), ds = f(dScore), vv = f(v), dk = f(dKeys), dsa = f(dSA), dvb = f(dv);
            float[] vArr = new float[att];
            vv.get((int) oV, vArr);
            float[] dvTotal = rows(bSize).mapToObj(b -> {
                float[] dvPart = new float[att], sRow = new float[att], y = new float[att], dkRow = new float[att];
                float[] g = new float[regions];
                ds.get((int) (oD + (long) b * regions), g);
                for (int i = 0; i < regions; i++) {
                    if (g[i] == 0f) {
                        continue;
                    }
                    int base = (b * regions + i) * att;
                    t.get((int) (oT + base), y);
                    dk.get((int) (oK + base), dkRow);
                    float gi = g[i];
                    for (int a = 0; a < att; a++) {
                        float dPre = gi * vArr[a] * (1f - y[a] * y[a]);
                        dkRow[a] += dPre;
                        sRow[a] += dPre;
                        dvPart[a] += gi * y[a];
                    }
                    dk.put((int) (oK + base), dkRow);
                }
                dsa.put((int) (oS + (long) b * att), sRow);
                return dvPart;
            }).reduce(new float[att], (x, y) -> {
                float[] r = new float[att];
                for (int a = 0; a < att; a++) {
                    r[a] = x[a] + y[a];
                }
                return r;
            });
            float[] dvOld = new float[att];
            dvb.get((int) oDv, dvOld);
            for (int a = 0; a < att; a++) {
                dvOld[a] += dvTotal[a];
            }
            dvb.put((int) oDv, dvOld);
        } else {
            INDArray dPre = tq.mul(tq).rsubi(1.0);                                  // 1 - tq^2, [B, L, A]
            Broadcast.mul(dPre, v.reshape(att), dPre, 2);                           // * v
            Broadcast.mul(dPre, dScore, dPre, 0, 1);                                // * dScore
            dKeys.addi(dPre);
            dSA.assign(dPre.sum(1));                                                // [B, A]
            INDArray tq2 = tq.reshape('c', (long) bSize * regions, att);           // [B*L, A]
            dv.addi(tq2.transpose().mmul(dScore.reshape('c', (long) bSize * regions, 1))); // [A, 1]
        }
    }

    /** dF[b,i,:] += alpha[b,i] * dRaw[b,:]. dF [B, L, F]; alpha [B, L]; dRaw [B, F]. */
    static void addOuter(INDArray dF, INDArray alpha, INDArray dRaw) {
        check(dF, alpha, dRaw);
        int bSize = (int) dF.size(0), regions = (int) dF.size(1), feat = (int) dF.size(2);
        long oF = dF.offset(), oA = alpha.offset(), oR = dRaw.offset();
        if (dF.dataType() == DataType.FLOAT) {
            FloatBuffer df = f(dF), al = f(alpha), dr = f(dRaw);
            rows(bSize).forEach(b -> {
                float[] r = new float[feat], row = new float[feat], w = new float[regions];
                dr.get((int) (oR + (long) b * feat), r);
                al.get((int) (oA + (long) b * regions), w);
                for (int i = 0; i < regions; i++) {
                    if (w[i] == 0f) {
                        continue;
                    }
                    int base = (int) (oF + (long) (b * regions + i) * feat);
                    df.get(base, row);
                    float wi = w[i];
                    for (int c = 0; c < feat; c++) {
                        row[c] += wi * r[c];
                    }
                    df.put(base, row);
                }
            });
        } else {
            dF.addi(Nd4j.matmul(alpha.reshape('c', bSize, regions, 1), dRaw.reshape('c', bSize, 1, feat))); // [B, L, F]
        }
    }

    /** out[b,i] = f[b,i,:] . x[b,:]. f [B, L, F]; x [B, F]; out [B, L]. */
    static void rowDots(INDArray f, INDArray x, INDArray out) {
        check(f, x, out);
        int bSize = (int) f.size(0), regions = (int) f.size(1), feat = (int) f.size(2);
        long oF = f.offset(), oX = x.offset(), oO = out.offset();
        if (f.dataType() == DataType.FLOAT) {
            FloatBuffer fb = f(f), xb = f(x), ob = f(out);
            rows(bSize).forEach(b -> {
                float[] xr = new float[feat], row = new float[feat], res = new float[regions];
                xb.get((int) (oX + (long) b * feat), xr);
                for (int i = 0; i < regions; i++) {
                    fb.get((int) (oF + (long) (b * regions + i) * feat), row);
                    res[i] = dot(row, xr);
                }
                ob.put((int) (oO + (long) b * regions), res);
            });
        } else {
            out.assign(Nd4j.matmul(f, x.reshape('c', bSize, feat, 1)).reshape('c', bSize, regions)); // [B, L]
        }
    }

    /**
     * alpha = softmax(score) over the unmasked regions of each row (0 where mask is 0, a row with no region
     * gets all 0), and context[b,:] = sum_i alpha[b,i] f[b,i,:]. score, mask, alpha [B, L]; f [B, L, F].
     */
    static void softmaxContext(INDArray score, INDArray mask, INDArray f, INDArray alpha, INDArray context) {
        check(score, f, alpha, context);
        if (mask != null) {
            check(mask);
        }
        int bSize = (int) f.size(0), regions = (int) f.size(1), feat = (int) f.size(2);
        long oS = score.offset(), oM = mask == null ? 0 : mask.offset(), oF = f.offset();
        long oA = alpha.offset(), oC = context.offset();
        if (f.dataType() == DataType.FLOAT) {
            FloatBuffer sb = f(score), mb = mask == null ? null : f(mask), fb = f(f), ab = f(alpha), cb = f(context);
            rows(bSize).forEach(b -> {
                float[] a = new float[regions], m = new float[regions], acc = new float[feat], row = new float[feat];
                sb.get((int) (oS + (long) b * regions), a);
                if (mb != null) {
                    mb.get((int) (oM + (long) b * regions), m);
                } else {
                    Arrays.fill(m, 1f);
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < regions; i++) {
                    if (m[i] != 0f && a[i] > max) {
                        max = a[i];
                    }
                }
                float sum = 0f;
                for (int i = 0; i < regions; i++) {
                    a[i] = m[i] != 0f ? (float) Math.exp(a[i] - max) : 0f;
                    sum += a[i];
                }
                float inv = sum > 0f ? 1f / sum : 0f;
                for (int i = 0; i < regions; i++) {
                    a[i] *= inv;
                    if (a[i] != 0f) {
                        fb.get((int) (oF + (long) (b * regions + i) * feat), row);
                        float w = a[i];
                        for (int c = 0; c < feat; c++) {
                            acc[c] += w * row[c];
                        }
                    }
                }
                ab.put((int) (oA + (long) b * regions), a);
                cb.put((int) (oC + (long) b * feat), acc);
            });
        } else {
            INDArray e = mask == null ? score.dup()                                 // [B, L]
                    : score.putWhereWithMask(mask.eq(0.0), Double.NEGATIVE_INFINITY);  // masked regions: -inf
            INDArray max = e.max(true, 1);                                          // [B, 1], -inf: no region
            BooleanIndexing.replaceWhere(max, 0.0, Conditions.isInfinite());
            Transforms.exp(e.subiColumnVector(max), false);                          // 0 where masked
            // a row with a region sums to >= 1 (its maximum gives exp(0)); a row without sums to 0 and keeps 0
            INDArray sum = Transforms.max(e.sum(true, 1), 1.0, false);              // [B, 1]
            alpha.assign(e.diviColumnVector(sum));                                  // [B, L]
            context.assign(Nd4j.matmul(alpha.reshape('c', bSize, 1, regions), f).reshape('c', bSize, feat)); // [B, F]
        }
    }
}
