package io.caption4j.benchmarks;

import java.util.concurrent.TimeUnit;

import io.caption4j.zoo.inception.InceptionV3Encoder;
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

/**
 * InceptionV3 forward to mixed10 (8x8x2048) on preprocessed 299x299 input, nsfwjs weights (needs the
 * nsfwjs tarball in the cache, see NsfwjsPackage). Same work as torch_peer.py's inceptionv3_forward.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
public class EncoderBenchmark {
    @Param({"1", "8"})
    public int batch;

    private InceptionV3Encoder encoder;
    private INDArray input;

    @Setup(Level.Trial)
    public void setup() {
        encoder = InceptionV3Encoder.nsfwjs(InceptionV3Encoder.FeatureLayer.MIXED10);
        input = Nd4j.rand(DataType.FLOAT, batch, 3, 299, 299).muli(2).subi(1);
    }

    @Benchmark
    public Object encode() {
        return encoder.encodeTensor(input);
    }
}
