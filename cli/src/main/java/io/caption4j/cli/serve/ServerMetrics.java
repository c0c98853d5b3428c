package io.caption4j.cli.serve;

import java.time.Duration;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.bytedeco.javacpp.Pointer;

/**
 * The service's metrics in a Micrometer Prometheus registry, served at {@code /metrics}: requests by route and status
 * with latency histograms, the time to decode an image, to caption it, and the caption's two parts (the encoder, the
 * word decoding), queue depth, busy workers, buffered upload bytes, refusals by reason, and JVM, process and ND4J
 * off-heap memory.
 */
final class ServerMetrics implements AutoCloseable {
    private static final Duration[] SLO = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(120)};

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    final Timer imageDecode, caption, encode, words;

    ServerMetrics(Admission admission, Supplier<Number> bufferedUploadBytes) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("caption4j.queue.depth", admission, Admission::queued)
                .description("Admitted requests waiting for a worker").register(registry);
        Gauge.builder("caption4j.workers.busy", admission, Admission::running)
                .description("Workers decoding or captioning an image").register(registry);
        Gauge.builder("caption4j.uploads.buffered", bufferedUploadBytes, s -> s.get().doubleValue()).baseUnit("bytes")
                .description("Bytes of request bodies held (received or being received)").register(registry);
        Gauge.builder("caption4j.offheap.total", Pointer::totalBytes).baseUnit("bytes")
                .description("Bytes ND4J (JavaCPP) has allocated off the Java heap").register(registry);
        Gauge.builder("caption4j.offheap.physical", Pointer::physicalBytes).baseUnit("bytes")
                .description("The process's resident memory as JavaCPP measures it").register(registry);
        imageDecode = Timer.builder("caption4j.image.decode")
                .description("Decoding an uploaded image (ImageIO, bounded in pixels)")
                .serviceLevelObjectives(SLO).register(registry);
        caption = Timer.builder("caption4j.caption").description("Captioning decoded images: encoder and word decoding")
                .serviceLevelObjectives(SLO).register(registry);
        encode = Timer.builder("caption4j.encode").description("The encoder's part of a caption (InceptionV3 and pooling)")
                .serviceLevelObjectives(SLO).register(registry);
        words = Timer.builder("caption4j.words").description("The word decoder's part of a caption (its search)")
                .serviceLevelObjectives(SLO).register(registry);
    }

    /** One finished request: counted by route and status, its latency in the route's histogram. */
    void request(String method, String route, int status, double millis) {
        Timer.builder("caption4j.requests").description("HTTP requests by route and status, with their latency")
                .tags("method", method, "route", route, "status", Integer.toString(status)).serviceLevelObjectives(SLO)
                .register(registry).record(Duration.ofNanos((long) (millis * 1e6)));
    }

    /** A refused request, by reason (busy, too_large, too_slow, timeout, out_of_memory, unauthorized, bad_request). */
    void refused(String reason) {
        Counter.builder("caption4j.refused").description("Requests refused, by reason").tag("reason", reason)
                .register(registry).increment();
    }

    /** The Prometheus text format. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
