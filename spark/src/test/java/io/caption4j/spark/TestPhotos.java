package io.caption4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import io.caption4j.zoo.NsfwjsPackage;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The tests' input folder: 5 sample photos from ../shared/data/images and one broken JPEG. */
final class TestPhotos {
    static final Path PHOTOS = Path.of("../../shared/data/images");
    static final String BROKEN = "broken.jpg";

    private TestPhotos() {
    }

    /** Skips the calling test class unless the encoder weights and the sample photos are there. */
    static void assumeAvailable() {
        assumeTrue(Files.isRegularFile(NsfwjsPackage.tarball()), "nsfwjs@4.4.0 is not in the cache: skipping the Spark test");
        assumeTrue(Files.isDirectory(PHOTOS), "no sample photos in " + PHOTOS.toAbsolutePath());
    }

    /** Copies the photos into dir, adds the broken file and returns the photos' originals. */
    static List<Path> copyInto(Path dir) throws IOException {
        List<Path> photos;
        try (Stream<Path> files = Files.list(PHOTOS)) {
            photos = files.filter(p -> p.toString().matches(".*\\.(jpg|png)")).sorted().limit(5).toList();
        }
        Files.createDirectories(dir);
        for (Path p : photos) {
            Files.copy(p, dir.resolve(p.getFileName()));
        }
        // a JPEG cut off after its first 300 bytes: the header is there, the image is not
        Path jpeg = photos.stream().filter(p -> p.toString().endsWith(".jpg")).findFirst().orElseThrow();
        Files.write(dir.resolve(BROKEN), Arrays.copyOf(Files.readAllBytes(jpeg), 300));
        return photos;
    }
}
