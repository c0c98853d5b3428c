package io.caption4j.benchmarks;

import java.util.concurrent.TimeUnit;

import io.caption4j.layers.math.AttentionMath;
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

/** AdditiveAttention, one step, reference configuration: regions 64, encDim 512, state [h; c] 1024, attDim 512. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
public class AttentionBenchmark {
    @Param({"1", "64"})
    public int batch;

    private AttentionMath.Params p, g;
    private INDArray f, keys, s, dContext;

    @Setup(Level.Trial)
    public void setup() {
        int l = 64, enc = 512, state = 1024, att = 512;
        Nd4j.getRandom().setSeed(1);
        p = new AttentionMath.Params(Nd4j.rand(DataType.FLOAT, enc, att).subi(0.5),
                Nd4j.rand(DataType.FLOAT, state, att).subi(0.5),
                Nd4j.zeros(DataType.FLOAT, att), Nd4j.rand(DataType.FLOAT, att, 1).subi(0.5), null, null);
        g = new AttentionMath.Params(Nd4j.zeros(DataType.FLOAT, enc, att), Nd4j.zeros(DataType.FLOAT, state, att),
                Nd4j.zeros(DataType.FLOAT, att), Nd4j.zeros(DataType.FLOAT, att, 1), null, null);
        f = Nd4j.rand(DataType.FLOAT, batch, l, enc);
        keys = AttentionMath.projectKeys(p, f);
        s = Nd4j.rand(DataType.FLOAT, batch, state);
        dContext = Nd4j.rand(DataType.FLOAT, batch, enc);
    }

    @Benchmark
    public INDArray forward() {
        return AttentionMath.forward(p, f, keys, s, null, null).context;
    }

    @Benchmark
    public INDArray forwardBackward() {
        AttentionMath.Step st = AttentionMath.forward(p, f, keys, s, null, null);
        INDArray dF = f.ulike(), dFA = keys.ulike();
        return AttentionMath.backward(p, g, st, f, dContext, null, null, dF, dFA).dS;
    }
}
