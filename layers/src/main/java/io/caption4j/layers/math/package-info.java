/**
 * Internal: the hand-written forward and backward maths behind {@link io.caption4j.layers}. Not an API: classes and
 * members are public only where the layers package (and the attention benchmark) must call them, because Java has
 * no package-to-package visibility; they may change in any release. Use the layers in {@link io.caption4j.layers}.
 * <ul>
 * <li>{@link io.caption4j.layers.math.DecoderMath}: the decoder (initial state, one step, output head, the
 * teacher-forced pass and its backward pass), called by the training vertex and the inference step alike.</li>
 * <li>{@link io.caption4j.layers.math.AttentionMath}: additive attention with its optional gate.</li>
 * <li>{@link io.caption4j.layers.math.CellMath}: one LSTM or GRU step.</li>
 * <li>{@code AttentionKernels}, {@code CellKernels} (package-private): the elementwise hot spots, as fused loops for
 * float and as the same formulas in plain ND4J ops for every other type (double: the gradient checks);
 * {@code FloatKernelTest} checks one against the other.</li>
 * <li>{@link io.caption4j.layers.math.Ops}, {@link io.caption4j.layers.math.Scratch}: matrix-product helpers and
 * reusable work arrays.</li>
 * </ul>
 * Arrays carry shape comments in the letters of {@link io.caption4j.layers.math.DecoderMath}: B batch, L regions,
 * F features, A attention, H hidden, G gates, E embedding, P pooled, D output dense, V vocabulary, T steps, S state.
 */
package io.caption4j.layers.math;
