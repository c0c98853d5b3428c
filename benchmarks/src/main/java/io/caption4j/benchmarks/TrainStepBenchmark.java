package io.caption4j.benchmarks;

import java.util.concurrent.TimeUnit;

import io.caption4j.layers.CaptionNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One teacher-forced training step (forward, backward, Adam) at batch 64, T = 20, reference configuration:
 * 64 regions of 2048 features projected to 512, LSTM 512, attention 512, embedding 300, vocabulary 5000.
 * Tokens per second = 64 * 20 / (seconds per op). Same work as ../shared/bench/torch_peer.py.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 8)
@Fork(value = 1, jvmArgs = {"-Xmx8g"})
public class TrainStepBenchmark {
    @Param({"64"})
    public int batch;
    @Param({"20"})
    public int steps;

    private CaptionNetwork net;
    private MultiDataSet data;

    @Setup(Level.Trial)
    public void setup() {
        net = CaptionNetwork.builder().vocabularySize(5000).build();
        INDArray tokens = Nd4j.rand(DataType.FLOAT, batch, steps + 1).muli(5000).castTo(DataType.INT32).castTo(DataType.FLOAT);
        INDArray input = tokens.get(NDArrayIndex.all(), NDArrayIndex.interval(0, steps)).dup();                  // [B, T]
        INDArray target = tokens.get(NDArrayIndex.all(), NDArrayIndex.interval(1, steps + 1)).dup()
                .reshape(batch, 1, steps);                                                                     // [B, 1, T]
        data = new MultiDataSet(new INDArray[]{Nd4j.rand(DataType.FLOAT, batch, 64, 2048),
            Nd4j.rand(DataType.FLOAT, batch, 2048), input}, new INDArray[]{target});
    }

    @Benchmark
    public double trainStep() {
        net.fit(data);
        return net.score();
    }
}
