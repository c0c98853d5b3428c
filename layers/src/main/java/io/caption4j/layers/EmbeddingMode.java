package io.caption4j.layers;

/** How CaptionEmbedding's matrix is initialised and trained. */
public enum EmbeddingMode {
    /** Random initialisation, trained. */
    SCRATCH,
    /** Copied from a pretrained matrix (GloVe) and never updated. */
    FROZEN,
    /** Copied from a pretrained matrix and trained further. */
    FINE_TUNE
}
