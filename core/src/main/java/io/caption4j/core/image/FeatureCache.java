package io.caption4j.core.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

import io.caption4j.core.internal.Float16;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An on-disk cache of encoded images, one float16 file per image keyed by image + encoder (id, layer and
 * pooling), read memory-mapped. Files are written to a temporary name and renamed, so an interrupted run
 * leaves no half-written entry and a later run reuses every finished one; an unreadable entry is recomputed.
 * Thread-safe (concurrent writers of one key write identical content; the last rename wins).
 */
public final class FeatureCache {
    private static final Logger log = LoggerFactory.getLogger(FeatureCache.class);
    private static final int MAGIC = 0x43344631; // "C4F1"
    private static final int HEADER = 16;

    private final Path dir;
    private final String encoderKey;

    /** @param encoderKey identifies the features: encoder id, layer and pooling (e.g. encoder.id() + "/pool2") */
    public FeatureCache(Path dir, String encoderKey) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.encoderKey = encoderKey;
    }

    /** The cached features of the image, or computes, stores and returns them (for tests: callers use find and put). */
    EncodedImage get(String imageKey, Supplier<EncodedImage> compute) {
        EncodedImage cached = find(imageKey);
        if (cached != null) {
            return cached;
        }
        EncodedImage e = compute.get();
        put(imageKey, e);
        return e;
    }

    /** The cached features of the image, or null if absent or unreadable (an unreadable entry is logged). */
    public EncodedImage find(String imageKey) {
        Path file = path(imageKey);
        if (Files.isRegularFile(file)) {
            try {
                return read(file);
            } catch (IOException | RuntimeException e) {
                log.warn("Feature cache entry {} is unreadable ({}); recomputing it", file, e.getMessage());
            }
        }
        return null;
    }

    /** Stores the features of an image (atomically: a temporary file, then a rename). */
    public void put(String imageKey, EncodedImage e) {
        Path file = path(imageKey);
        try {
            write(file, e);
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot write feature cache entry " + file, ex);
        }
    }

    /** Whether the image's entry exists. */
    public boolean contains(String imageKey) {
        return Files.isRegularFile(path(imageKey));
    }

    Path path(String imageKey) {
        try {
            byte[] key = (encoderKey + "\u0000" + imageKey).getBytes(StandardCharsets.UTF_8);
            byte[] h = MessageDigest.getInstance("SHA-1").digest(key);
            String hex = HexFormat.of().formatHex(h);
            return dir.resolve(hex.substring(0, 2)).resolve(hex + ".f16");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, EncodedImage e) throws IOException {
        Files.createDirectories(file.getParent());
        float[] spatial = e.spatial().castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] pooled = e.pooled().castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(HEADER + 2 * (spatial.length + pooled.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(e.gridHeight()).putInt(e.gridWidth()).putInt((int) e.channels());
        for (float v : spatial) {
            b.putShort(Float16.fromFloat(v));
        }
        for (float v : pooled) {
            b.putShort(Float16.fromFloat(v));
        }
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, b.array());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static EncodedImage read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            m.order(ByteOrder.LITTLE_ENDIAN);
            if (ch.size() < HEADER || m.getInt() != MAGIC) {
                throw new IOException("not a caption4j feature file");
            }
            int h = m.getInt(), w = m.getInt(), c = m.getInt();
            long pooledSize = (ch.size() - HEADER) / 2 - (long) h * w * c;   // the pooled vector may come from another layer
            if (h <= 0 || w <= 0 || c <= 0 || (ch.size() - HEADER) % 2 != 0 || pooledSize <= 0 || pooledSize > 1 << 20) {
                throw new IOException("size " + ch.size() + " does not match " + h + "x" + w + "x" + c);
            }
            float[] spatial = new float[h * w * c], pooled = new float[(int) pooledSize];
            for (int i = 0; i < spatial.length; i++) {
                spatial[i] = Float16.toFloat(m.getShort());
            }
            for (int i = 0; i < pooled.length; i++) {
                pooled[i] = Float16.toFloat(m.getShort());
            }
            return new EncodedImage(Nd4j.create(spatial, new long[]{(long) h * w, c}, DataType.FLOAT),
                    Nd4j.create(pooled, new long[]{pooled.length}, DataType.FLOAT), h, w);
        }
    }
}
