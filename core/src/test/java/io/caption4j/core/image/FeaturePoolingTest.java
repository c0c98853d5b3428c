package io.caption4j.core.image;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class FeaturePoolingTest {

    @Test
    void seventeenByTwoGivesNineWithShorterEdgeWindows() {
        // channel 0 = row index, channel 1 = column index, on a 17x17 grid
        float[] d = new float[17 * 17 * 2];
        for (int y = 0; y < 17; y++) {
            for (int x = 0; x < 17; x++) {
                d[(y * 17 + x) * 2] = y;
                d[(y * 17 + x) * 2 + 1] = x;
            }
        }
        INDArray s = Nd4j.create(d, new long[]{289, 2}, DataType.FLOAT);
        EncodedImage p = FeaturePooling.average(new EncodedImage(s, s.mean(0), 17, 17), 2);
        assertEquals(9, p.gridHeight());
        assertEquals(81, p.regions());
        assertEquals(0.5, p.spatial().getDouble(0, 0), 1e-6);           // rows 0-1
        assertEquals(16.0, p.spatial().getDouble(8 * 9 + 8, 0), 1e-6);  // the last window holds row 16 only
        assertEquals(2.5, p.spatial().getDouble(1, 1), 1e-6);           // columns 2-3
        assertEquals(8.0, p.pooled().getDouble(0), 1e-5, "the pooled vector is the input's (mean row 8)");
        assertThrows(IllegalArgumentException.class, () -> FeaturePooling.average(p, 0));
    }
}
