package io.caption4j.benchmarks;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.ImageLoader;
import io.caption4j.zoo.inception.InceptionV3Encoder;
import org.bytedeco.javacpp.Pointer;

/**
 * Encodes N images from a folder (cycling through it if it has fewer) in batches, streaming, and reports
 * throughput and memory every 500 images: JVM heap in use, off-heap bytes ND4J/JavaCPP track, and the
 * process's resident set. Memory must stay flat however many images go through.
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.caption4j.benchmarks.EncodeFolderBench FOLDER [N] [BATCH]}
 */
public final class EncodeFolderBench {
    public static void main(String[] args) throws IOException {
        Path folder = Paths.get(args.length > 0 ? args[0] : "../shared/data/flickr8k/images");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png|bmp|gif)$")).sorted().collect(Collectors.toList());
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("No images in " + folder);
        }
        InceptionV3Encoder encoder = InceptionV3Encoder.nsfwjs(InceptionV3Encoder.FeatureLayer.MIXED10);
        ImageLoader loader = new ImageLoader();
        long start = System.nanoTime(), maxHeap = 0, maxOff = 0, maxRss = 0;
        double checksum = 0;
        System.out.printf("encoding %d images from %s (%d files), batch %d%n", n, folder, files.size(), batch);
        for (int done = 0; done < n; ) {
            int size = Math.min(batch, n - done);
            List<BufferedImage> images = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                images.add(loader.read(files.get((done + i) % files.size())));
            }
            for (EncodedImage e : encoder.encodeAll(images)) {
                checksum += e.pooled().getDouble(0);
            }
            done += size;
            Runtime rt = Runtime.getRuntime();
            long heap = rt.totalMemory() - rt.freeMemory(), off = Pointer.totalBytes(), rss = Pointer.physicalBytes();
            maxHeap = Math.max(maxHeap, heap);
            maxOff = Math.max(maxOff, off);
            maxRss = Math.max(maxRss, rss);
            if (done % 500 < size || done == n) {
                double secs = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "%6d images  %5.1f img/s  heap %5d MiB  off-heap %5d MiB  RSS %5d MiB%n",
                        done, done / secs, heap >> 20, off >> 20, rss >> 20);
            }
        }
        System.out.printf(Locale.ROOT, "max heap %d MiB, max off-heap %d MiB, max RSS %d MiB (checksum %.3f)%n",
                maxHeap >> 20, maxOff >> 20, maxRss >> 20, checksum);
    }
}
