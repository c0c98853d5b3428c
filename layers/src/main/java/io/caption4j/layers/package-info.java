/**
 * The Show, Attend and Tell network (Xu et al. 2015) as DL4J layers: feature projection, caption embedding and
 * the attention decoder, trained as a {@link org.deeplearning4j.nn.graph.ComputationGraph} and decoded word by word.
 *
 * <h2>Reading order</h2>
 * <ol>
 * <li>{@link io.caption4j.layers.CaptionNetwork}: the network (inputs, vertices, loss, score with the attention
 * penalty), its builder with the reference configuration, save and load.</li>
 * <li>{@link io.caption4j.layers.AttentionDecoder}: the decoder vertex (configuration and its runtime
 * {@code AttentionDecoder.Impl}), teacher-forced over a whole caption during training.</li>
 * <li>{@link io.caption4j.layers.AttentionDecoderStep}: the decoder for inference, one word at a time with
 * explicit state, shared by greedy, sampling and beam search.</li>
 * <li>{@link io.caption4j.layers.math.DecoderMath}: the step maths both call (initial state, one step, output head)
 * and the teacher-forced forward and backward passes.</li>
 * <li>{@link io.caption4j.layers.math.AttentionMath} and {@link io.caption4j.layers.math.CellMath}: additive
 * attention and the LSTM/GRU cell, forward and backward.</li>
 * <li>{@code AttentionKernels} and {@code CellKernels} in {@link io.caption4j.layers.math}: the fused elementwise
 * loops of the hot spots.</li>
 * </ol>
 * The inputs of the decoder come from {@link io.caption4j.layers.FeatureProjection} (encoder features to the
 * decoder's feature size) and {@link io.caption4j.layers.CaptionEmbedding} (token ids to vectors, optionally
 * GloVe); {@link io.caption4j.layers.ParamKeys} names every parameter.
 *
 * <h2>Conventions</h2>
 * Each layer is a configuration class (what DL4J writes to JSON, with a builder, a no-arg constructor for Jackson
 * and validation in {@code build()}) that holds its runtime implementation as a nested class {@code Impl}, created
 * by the configuration's {@code instantiate}. Multi-input vertices whose forward and backward passes are written by
 * hand extend {@link io.caption4j.layers.ManualBackpropVertex} and their {@code Impl} extends
 * {@link io.caption4j.layers.ManualBackpropVertex.Impl}; single-input layers extend DL4J's
 * {@code FeedForwardLayer} and {@code BaseLayer}. A new layer goes here the same way, its maths in
 * {@link io.caption4j.layers.math}.
 * <p>{@link io.caption4j.layers.AdditiveAttention}, {@link io.caption4j.layers.LstmCell} and
 * {@link io.caption4j.layers.GruCell} are standalone vertices: the decoder does not contain them (it calls
 * {@code AttentionMath} and {@code CellMath} directly, so that it can batch the products of all time steps), but
 * they run the same maths as reusable graph vertices, and the tests check that maths through them against DL4J's
 * LSTM, PyTorch and numerical gradients.
 *
 * <h2>Names: the paper, sgrvinod's PyTorch tutorial, caption4j</h2>
 * The tutorial is github.com/sgrvinod/a-PyTorch-Tutorial-to-Image-Captioning ({@code models.py}, {@code train.py},
 * {@code caption.py}). Shapes: B batch, L regions, F projected feature size, P pooled size, E embedding size,
 * H hidden size, A attention size, S attention state size (H or 2H), D output dense size, V vocabulary, T steps.
 * <table>
 * <caption>Names and where caption4j differs</caption>
 * <tr><th>Paper</th><th>Tutorial</th><th>caption4j</th></tr>
 * <tr><td>annotation vectors a_i</td><td>{@code encoder_out} [B, num_pixels, encoder_dim]</td>
 * <td>features [B, L, F]: the output of {@code FeatureProjection} (vertex {@code projection}), relu(x W + b) of
 * the encoder's features; the tutorial attends over the encoder output itself</td></tr>
 * <tr><td>1/L sum_i a_i</td><td>{@code mean_encoder_out}</td>
 * <td>pooled [B, P]: a network input of its own (the encoder's pooled output)</td></tr>
 * <tr><td>f_init,h, f_init,c</td><td>{@code init_h}, {@code init_c}</td>
 * <td>{@code initWh}, {@code initBh}, {@code initWc}, {@code initBc}; h0 = relu(pooled W_h + b_h) (the tutorial has
 * no activation): {@code DecoderMath.initialState}</td></tr>
 * <tr><td>f_att (its image part)</td><td>{@code encoder_att}</td>
 * <td>{@code attWf} and {@code attB}: keys = f W_f + b, once per image ({@code AttentionMath.projectKeys})</td></tr>
 * <tr><td>f_att (its state part)</td><td>{@code decoder_att}</td>
 * <td>{@code attWs}, no bias of its own; its input is the attention state s = h or [h; c]
 * ({@link io.caption4j.layers.AttentionState}; [h; c] by default for an LSTM, the tutorial uses h)</td></tr>
 * <tr><td>f_att (the score)</td><td>{@code full_att}, after a ReLU</td>
 * <td>{@code attV} [A, 1], no bias (a shift does not change the softmax), after a tanh (Bahdanau):
 * score = tanh(keys + s W_s) v</td></tr>
 * <tr><td>e_ti</td><td>{@code att}</td><td>score [B, L] ({@code AttentionKernels.scores})</td></tr>
 * <tr><td>alpha_ti</td><td>{@code alpha}, {@code alphas}</td>
 * <td>alpha [B, L] per step ({@code AttentionDecoderStep.Output.alpha}), alphas [B, T, L] per caption
 * ({@code DecoderMath.Forward.alphas}); masked regions get 0</td></tr>
 * <tr><td>context vector z_t</td><td>{@code attention_weighted_encoding} ({@code awe} in {@code caption.py})</td>
 * <td>contextRaw = sum_i alpha_i f_i, and context = fBeta * contextRaw ({@code AttentionMath.Step})</td></tr>
 * <tr><td>gating scalar beta_t = sigmoid(f_beta(h_t-1))</td><td>{@code f_beta}, {@code gate}</td>
 * <td>fBeta = sigmoid(h W_beta + b_beta) with {@code attWbeta} [H, 1], {@code attBbeta}: a scalar per example as
 * in the paper (the tutorial's gate has encoder_dim values); on with {@code gated(true)}</td></tr>
 * <tr><td>embedding matrix E</td><td>{@code embedding}</td>
 * <td>{@link io.caption4j.layers.CaptionEmbedding} (vertex {@code embedding}, parameter {@code W} [V, E]);
 * {@code EmbeddingMode.FROZEN} is the tutorial's {@code fine_tune_embeddings(False)}</td></tr>
 * <tr><td>LSTM</td><td>{@code decode_step} ({@code nn.LSTMCell})</td>
 * <td>{@code CellMath} with {@code cellWx} [F + E, G*H] = weight_ih^T (rows: context, then embedding; the tutorial
 * concatenates the embedding first), {@code cellWh} = weight_hh^T, {@code cellB} = bias_ih + bias_hh (GRU:
 * {@code cellB} = bias_ih, {@code cellBh} = bias_hh); PyTorch's gate order</td></tr>
 * <tr><td>h_t, c_t</td><td>{@code h}, {@code c}</td><td>{@code DecoderMath.State.h}, {@code .c}</td></tr>
 * <tr><td>deep output L_o(E y + L_h h_t + L_z z_t)</td><td>{@code fc} (on dropout(h))</td>
 * <td>logits = relu(h W_1 + b_1) W + b with {@code outW1}, {@code outB1}, {@code outW}, {@code outB}: from h only
 * ({@code DecoderMath.output}); dropout on h in training with {@code outputDropout} p (off by default)</td></tr>
 * <tr><td>p(y_t)</td><td>{@code predictions}</td><td>logits [B, V, T] (training), [B, V] (a step)</td></tr>
 * <tr><td>doubly stochastic attention, lambda</td><td>{@code alpha_c}: alpha_c * mean((1 - sum_t alpha)^2)</td>
 * <td>{@code attentionPenalty}: lambda / B * sum_b sum_i (1 - sum_t alpha_bti)^2 over unmasked steps (a sum over
 * regions, not a mean) ({@code DecoderMath.penalty}, added to the score by {@code CaptionNetwork})</td></tr>
 * <tr><td>-</td><td>-</td><td>{@code attentionEntropy} (caption4j's, off by default): lambdaH / B * sum_b sum_t
 * H(alpha_bt) over unmasked steps, which favours attention on few regions ({@code DecoderMath.entropy})</td></tr>
 * <tr><td>log likelihood</td><td>{@code CrossEntropyLoss} on packed sequences (mean per word)</td>
 * <td>softmax cross-entropy summed over the unmasked steps, divided by B</td></tr>
 * <tr><td>-</td><td>{@code decode_lengths}, {@code batch_size_t}</td>
 * <td>the token mask [B, T]: padded steps are masked, the batch does not shrink</td></tr>
 * <tr><td>-</td><td>{@code encoder_dim}, {@code attention_dim}, {@code embed_dim}, {@code decoder_dim},
 * {@code vocab_size}</td><td>{@code projectionSize} (F; {@code featureSize} is the encoder's), {@code attentionSize},
 * {@code embeddingSize}, {@code hiddenSize}, {@code vocabularySize}</td></tr>
 * </table>
 */
package io.caption4j.layers;
