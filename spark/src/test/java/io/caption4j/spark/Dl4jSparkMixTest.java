package io.caption4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.caption4j.layers.CaptionNetwork;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Evidence for issue 14: dl4j-spark 1.0.0-M2 (the newest on Maven Central) on the project's DL4J 1.0.0-M2.1, with
 * Spark 3.5. A tiny CaptionNetwork step without masks trains through ParameterAveragingTrainingMaster; the batches
 * the trainer makes (mask arrays {null, null, stepMask}) fail inside the workers.
 */
class Dl4jSparkMixTest {
    static List<org.nd4j.linalg.dataset.api.MultiDataSet> data(boolean captionMasks) {
        Random r = new Random(1);
        List<org.nd4j.linalg.dataset.api.MultiDataSet> data = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int b = 4, t = 5;
            INDArray in = Nd4j.create(DataType.FLOAT, b, t), tg = Nd4j.create(DataType.FLOAT, b, 1, t);
            for (int j = 0; j < b; j++) {
                for (int k = 0; k < t; k++) {
                    in.putScalar(j, k, r.nextInt(10));
                    tg.putScalar(j, 0, k, r.nextInt(10));
                }
            }
            INDArray m = Nd4j.ones(DataType.FLOAT, b, t);
            INDArray[] features = {Nd4j.rand(DataType.FLOAT, b, 4, 6), Nd4j.rand(DataType.FLOAT, b, 6), in};
            data.add(captionMasks ? new MultiDataSet(features, new INDArray[]{tg}, new INDArray[]{null, null, m},
                    new INDArray[]{m}) : new MultiDataSet(features, new INDArray[]{tg}, null, null));
        }
        return data;
    }

    @Test
    void aStepWithoutMasksTrainsButCaptionBatchesFailInTheWorkers() {
        CaptionNetwork net = CaptionNetwork.builder().featureSize(6).pooledSize(6).regions(4).projectionSize(8)
                .embeddingSize(8).hiddenSize(8).attentionSize(8).outputHiddenSize(8).vocabularySize(10)
                .projectionDropout(0).updater(new Adam(1e-2)).seed(1).build();
        try (SparkSession spark = SparkSession.builder().master("local[2]").appName("mix").getOrCreate()) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(1).batchSizePerWorker(4)
                    .averagingFrequency(1).workerPrefetchNumBatches(0).build();
            ComputationGraph before = net.clone();
            SparkComputationGraph plain = new SparkComputationGraph(sc, net.clone(), tm);
            plain.fitMultiDataSet(sc.parallelize(data(false), 1));
            assertTrue(plain.getNetwork().params().sub(before.params()).amaxNumber().doubleValue() > 0);
            SparkComputationGraph masked = new SparkComputationGraph(sc, net.clone(), tm);
            SparkException e = assertThrows(SparkException.class, () -> masked.fitMultiDataSet(sc.parallelize(data(true), 1)));
            assertTrue(e.getMessage().contains("IndexOutOfBoundsException"), e.getMessage());
        }
    }
}
