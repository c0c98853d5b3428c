package io.caption4j.layers;

/**
 * Parameter keys of caption4j's vertices, in one place so that configurations, maths and tests agree.
 * FeatureProjection and CaptionEmbedding are DL4J layers and use DL4J's keys (DefaultParamInitializer: W, b).
 */
public final class ParamKeys {
    private ParamKeys() {
    }

    // AdditiveAttention: score_i = v^T tanh(W_f f_i + W_s s + b_att)
    public static final String ATT_W_F = "attWf";
    public static final String ATT_W_S = "attWs";
    public static final String ATT_B = "attB";
    public static final String ATT_V = "attV";
    /** Gate fBeta = sigmoid(h W_beta + b_beta), a scalar per example as in the paper. */
    public static final String ATT_W_BETA = "attWbeta";
    public static final String ATT_B_BETA = "attBbeta";

    // Recurrent cells: gates = x W_x + h W_h + b (GRU adds b_h inside the reset product)
    public static final String CELL_W_X = "cellWx";
    public static final String CELL_W_H = "cellWh";
    public static final String CELL_B = "cellB";
    public static final String CELL_B_H = "cellBh";

    // AttentionDecoder: initial state and output head
    public static final String INIT_W_H = "initWh";
    public static final String INIT_B_H = "initBh";
    public static final String INIT_W_C = "initWc";
    public static final String INIT_B_C = "initBc";
    public static final String OUT_W_1 = "outW1";
    public static final String OUT_B_1 = "outB1";
    public static final String OUT_W = "outW";
    public static final String OUT_B = "outB";
}
