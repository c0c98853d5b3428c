package io.caption4j.layers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.caption4j.layers.math.DecoderMath;
import io.caption4j.layers.math.Ops;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The decoder for inference: one word at a time with explicit, batched state (streaming), so that greedy,
 * sampling and beam search (beams as batch rows) share it. It calls the same {@link DecoderMath#step} as the
 * teacher-forced {@link AttentionDecoder}, so both compute the same numbers for the same tokens.
 * One instance may serve many threads, each with its own {@link State}.
 */
public final class AttentionDecoderStep implements AutoCloseable {
    private final DecoderMath math;
    private final INDArray embedding;      // [V, E]
    private final INDArray projW, projB;   // [featDim, F], [1, F]
    private final IActivation projAct;
    private UnaryOperator<INDArray> featureLayer;   // the network's optional layer before the projection
    private List<INDArray> owned = List.of();   // the snapshot made by of(), freed by close()

    /**
     * @param decoder configuration; decoderParams its parameter table; embedding [V, E];
     * projection the FeatureProjection configuration and its W and b
     */
    public AttentionDecoderStep(AttentionDecoder decoder, Map<String, INDArray> decoderParams, INDArray embedding,
                       FeatureProjection projection, INDArray projW, INDArray projB) {
        this.math = new DecoderMath(decoder.getCellType(), decoder.getAttentionState(), decoderParams);
        this.embedding = embedding;
        this.projW = projW;
        this.projB = projB;
        this.projAct = projection.getActivationFn();
    }

    /**
     * An AttentionDecoderStep over a snapshot of the parameters of a network made by {@link CaptionNetwork}. The copy
     * (aligned, c-ordered, about 25 MB in the reference configuration) makes batch-1 steps about 25% faster than
     * views into the network's flat parameter vector; make a new AttentionDecoderStep after training further.
     */
    public static AttentionDecoderStep of(ComputationGraph net) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            AttentionDecoder dec = (AttentionDecoder) net.getConfiguration().getVertices().get(CaptionNetwork.DECODER);
            Map<String, INDArray> decParams = new LinkedHashMap<>();
            net.getVertex(CaptionNetwork.DECODER).paramTable(false).forEach((k, v) -> decParams.put(k, v.dup('c')));
            INDArray emb = net.getLayer(CaptionNetwork.EMBEDDING).getParam(DefaultParamInitializer.WEIGHT_KEY).dup('c');
            Layer proj = net.getLayer(CaptionNetwork.PROJECTION);
            AttentionDecoderStep step = new AttentionDecoderStep(dec, decParams, emb, (FeatureProjection) proj.conf().getLayer(),
                    proj.getParam(DefaultParamInitializer.WEIGHT_KEY).dup('c'),
                    proj.getParam(DefaultParamInitializer.BIAS_KEY).dup('c'));
            List<INDArray> snapshot = new ArrayList<>(decParams.values());
            snapshot.add(emb);
            snapshot.add(step.projW);
            snapshot.add(step.projB);
            step.owned = snapshot;
            if (net.getConfiguration().getVertices().containsKey(CaptionNetwork.FEATURE_LAYER)) {
                Layer layer = net.getLayer(CaptionNetwork.FEATURE_LAYER);
                step.featureLayer = x -> {
                    synchronized (layer) {       // a DL4J layer keeps its input while it runs
                        return layer.activate(x, false, LayerWorkspaceMgr.noWorkspaces()).detach();
                    }
                };
            }
            return step;
        }
    }

    /**
     * Frees the parameter snapshot of a step made by {@link #of} now rather than at some later garbage
     * collection (about 25 MB off-heap in the reference configuration; a training run makes one per
     * validation). The step must not be used afterwards; a step made with the constructor owns nothing.
     */
    @Override
    public void close() {
        for (INDArray a : owned) {
            if (!a.wasClosed() && a.closeable()) {
                a.close();
            }
        }
        owned = List.of();
    }

    /** The decoding state of a batch: image memory and recurrent state. */
    public static final class State {
        final INDArray features; // [B, L, F] projected
        final INDArray keys;     // [B, L, A]
        final INDArray mask;     // [B, L] or null
        final DecoderMath.State rnn;

        State(INDArray features, INDArray keys, INDArray mask, DecoderMath.State rnn) {
            this.features = features;
            this.keys = keys;
            this.mask = mask;
            this.rnn = rnn;
        }

        public long batchSize() {
            return features.size(0);
        }

        /** The state of the given rows, in that order (beam search reorders and repeats beams). */
        public State select(int... rows) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return new State(pick3(features, rows), pick3(keys, rows), mask == null ? null : Nd4j.pullRows(mask, 1, rows),
                        new DecoderMath.State(Nd4j.pullRows(rnn.h, 1, rows),
                                rnn.c == null ? null : Nd4j.pullRows(rnn.c, 1, rows)));
            }
        }

        private static INDArray pick3(INDArray x, int[] rows) {
            long l = x.size(1), d = x.size(2);
            return Nd4j.pullRows(x.reshape('c', x.size(0), l * d), 1, rows).reshape('c', rows.length, l, d);
        }
    }

    /** Output of one step. */
    public static final class Output {
        public final INDArray logits; // [B, V]
        public final INDArray alpha;  // [B, L]
        public final State state;

        Output(INDArray logits, INDArray alpha, State state) {
            this.logits = logits;
            this.alpha = alpha;
            this.state = state;
        }
    }

    /**
     * Starts decoding a batch of images.
     * @param features encoder features [B, L, featDim] (projected here); pooled [B, P]; regionMask [B, L] or null
     */
    public State start(INDArray features, INDArray pooled, INDArray regionMask) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (featureLayer != null) {
                features = featureLayer.apply(features);                                                // [B, L, F']
            }
            long b = features.size(0), l = features.size(1);
            INDArray x = features.castTo(projW.dataType()).dup('c').reshape('c', b * l, features.size(2)); // [B*L, featDim]
            INDArray f = projAct.getActivation(Ops.mm(x, projW).addiRowVector(projB), false)
                    .reshape('c', b, l, projW.size(1));                                                 // [B, L, F]
            INDArray p = pooled.castTo(projW.dataType());
            return new State(f, math.keys(f), regionMask, math.initialState(p));
        }
    }

    /** One step from token ids (one per batch row). */
    public Output step(State s, int[] tokens) {
        if (tokens.length != s.batchSize()) {
            throw new IllegalArgumentException("Got " + tokens.length + " tokens for a batch of " + s.batchSize());
        }
        for (int t : tokens) {
            if (t < 0 || t >= embedding.size(0)) {
                throw new IllegalArgumentException("Token id " + t + " is outside the vocabulary [0, " + embedding.size(0) + ")");
            }
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return step(s, Nd4j.pullRows(embedding, 1, tokens));
        }
    }

    /** One step from embedded tokens [B, E]. */
    public Output step(State s, INDArray embedded) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            DecoderMath.StepCache sc = math.step(s.features, s.keys, s.mask, s.rnn, math.embeddingGates(embedded));
            INDArray logits = math.output(sc.cell.h)[1];                                                  // [B, V]
            return new Output(logits, sc.att.alpha,
                    new State(s.features, s.keys, s.mask, math.nextState(sc)));
        }
    }
}
