package io.caption4j.benchmarks;

import io.caption4j.zoo.inception.InceptionV3Encoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

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
