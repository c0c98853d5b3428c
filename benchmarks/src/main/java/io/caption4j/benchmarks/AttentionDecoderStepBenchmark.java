package io.caption4j.benchmarks;

import java.util.concurrent.TimeUnit;

import io.caption4j.layers.AttentionDecoderStep;
import io.caption4j.layers.CaptionNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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

/** One inference AttentionDecoderStep (attention + LSTM + output head), reference configuration, vocabulary 5000. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
public class AttentionDecoderStepBenchmark {
    @Param({"1", "64"})
    public int batch;

    private AttentionDecoderStep step;
    private AttentionDecoderStep.State state;
    private int[] tokens;

    @Setup(Level.Trial)
    public void setup() {
        CaptionNetwork net = CaptionNetwork.builder().vocabularySize(5000).build(); // reference configuration
        step = AttentionDecoderStep.of(net);
        state = step.start(Nd4j.rand(DataType.FLOAT, batch, 64, 2048), Nd4j.rand(DataType.FLOAT, batch, 2048), null);
        tokens = new int[batch];
    }

    @Benchmark
    public INDArray step() {
        return step.step(state, tokens).logits;
    }
}
