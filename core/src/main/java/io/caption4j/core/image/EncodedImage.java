package io.caption4j.core.image;

import java.util.Arrays;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An image as the decoder sees it: spatial features {@code [regions, channels]} (row-major over the grid,
 * regions = gridHeight * gridWidth) and a pooled vector {@code [channels]} (their mean).
 */
public final class EncodedImage {
    private final INDArray spatial;
    private final INDArray pooled;
    private final int gridHeight;
    private final int gridWidth;

    public EncodedImage(INDArray spatial, INDArray pooled, int gridHeight, int gridWidth) {
        if (spatial.rank() != 2 || spatial.size(0) != (long) gridHeight * gridWidth) {
            throw new IllegalArgumentException("spatial features must be [" + gridHeight * gridWidth
                    + ", channels], got " + Arrays.toString(spatial.shape()));
        }
        this.spatial = spatial;
        this.pooled = pooled;
        this.gridHeight = gridHeight;
        this.gridWidth = gridWidth;
    }

    /** [regions, channels]. */
    public INDArray spatial() {
        return spatial;
    }

    /** [channels]. */
    public INDArray pooled() {
        return pooled;
    }

    public int gridHeight() {
        return gridHeight;
    }

    public int gridWidth() {
        return gridWidth;
    }

    public int regions() {
        return gridHeight * gridWidth;
    }

    public long channels() {
        return spatial.size(1);
    }
}
