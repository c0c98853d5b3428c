package io.caption4j.core.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.caption4j.core.CaptionException;
import io.caption4j.core.ProgressListener;
import io.caption4j.core.image.EncodedImage;
import io.caption4j.core.image.FeatureCache;
import io.caption4j.core.image.FeaturePooling;
import io.caption4j.core.image.ImageEncoder;
import io.caption4j.core.image.ImageLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Features of dataset images, computed on the fly: image file -> {@link ImageLoader} -> {@link ImageEncoder}
 * (batched) -> {@link FeaturePooling} -> optional {@link FeatureCache}. Data larger than memory trains because
 * nothing is held beyond a batch; the cache makes later epochs cheap. An image that cannot be read is logged,
 * remembered and skipped (the caller gets no entry for it), never an exception in the middle of an epoch.
 */
public final class FeatureSource {
    private static final Logger log = LoggerFactory.getLogger(FeatureSource.class);

    private final ImageEncoder encoder;
    private final int poolWindow;
    private final FeatureCache cache;
    private final ImageLoader loader;
    private final int encodeBatch;
    private final Set<Path> failed = ConcurrentHashMap.newKeySet();

    /**
     * @param poolWindow k for k x k average pooling of the grid (1 = none)
     * @param cache feature cache, or null to encode every time
     * @param encodeBatch images per encoder batch
     */
    public FeatureSource(ImageEncoder encoder, int poolWindow, FeatureCache cache, ImageLoader loader, int encodeBatch) {
        if (poolWindow < 1 || encodeBatch < 1) {
            throw new IllegalArgumentException("poolWindow and encodeBatch must be >= 1");
        }
        this.encoder = encoder;
        this.poolWindow = poolWindow;
        this.cache = cache;
        this.loader = loader;
        this.encodeBatch = encodeBatch;
    }

    /** A cache directory key that names the encoder, its layer and the pooling. */
    public static String cacheKey(ImageEncoder encoder, int poolWindow) {
        return encoder.id() + "/pool" + poolWindow;
    }

    /** How many images could not be read so far. */
    public int failedImages() {
        return failed.size();
    }

    /**
     * Features of the given images, in order, as a map keyed by example; images that cannot be read are absent.
     * Images missing from the cache are encoded in batches.
     */
    public Map<CaptionDataset.Example, EncodedImage> features(List<CaptionDataset.Example> examples) {
        Map<CaptionDataset.Example, EncodedImage> out = new LinkedHashMap<>();
        List<CaptionDataset.Example> todo = new ArrayList<>();
        for (CaptionDataset.Example e : examples) {
            if (out.containsKey(e) || failed.contains(e.image)) {
                continue;
            }
            EncodedImage cached = cache == null ? null : cache.find(key(e));
            if (cached != null) {
                out.put(e, cached);
            } else if (!todo.contains(e)) {
                todo.add(e);
            }
        }
        for (int i = 0; i < todo.size(); i += encodeBatch) {
            encode(todo.subList(i, Math.min(todo.size(), i + encodeBatch)), out);
        }
        Map<CaptionDataset.Example, EncodedImage> ordered = new LinkedHashMap<>();
        for (CaptionDataset.Example e : examples) {
            if (out.containsKey(e)) {
                ordered.put(e, out.get(e));
            }
        }
        return ordered;
    }

    /**
     * Fills the cache for every image of the examples that is not in it yet, telling {@code progress} as task
     * {@code task}; image decoding runs on a second thread while the encoder works. Returns how many images were encoded.
     */
    public int precompute(List<CaptionDataset.Example> examples, String task, ProgressListener progress) {
        if (cache == null) {
            throw new IllegalStateException("precompute needs a feature cache");
        }
        List<CaptionDataset.Example> todo = new ArrayList<>();
        for (CaptionDataset.Example e : examples) {
            if (!cache.contains(key(e))) {
                todo.add(e);
            }
        }
        if (todo.isEmpty()) {
            return 0;
        }
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "caption4j-image-reader");
            t.setDaemon(true);
            return t;
        });
        progress.onTaskStart(task, todo.size());
        try {
            Future<List<BufferedImage>> next = reader.submit(() -> read(todo.subList(0, Math.min(todo.size(), encodeBatch))));
            for (int i = 0; i < todo.size(); i += encodeBatch) {
                List<CaptionDataset.Example> batch = todo.subList(i, Math.min(todo.size(), i + encodeBatch));
                List<BufferedImage> images = next.get();
                int j = i + encodeBatch;
                if (j < todo.size()) {
                    List<CaptionDataset.Example> following = todo.subList(j, Math.min(todo.size(), j + encodeBatch));
                    next = reader.submit(() -> read(following));
                }
                store(batch, images, new LinkedHashMap<>());
                progress.onTaskProgress(batch.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaptionException("Interrupted while computing features", e);
        } catch (ExecutionException e) {
            throw new CaptionException("Reading images failed: " + e.getCause(), e.getCause());
        } finally {
            reader.shutdownNow();
            progress.onTaskEnd();
        }
        return todo.size();
    }

    private void encode(List<CaptionDataset.Example> batch, Map<CaptionDataset.Example, EncodedImage> out) {
        store(batch, read(batch), out);
    }

    /** Reads a batch of images; an unreadable one becomes null (and is remembered as failed). */
    private List<BufferedImage> read(List<CaptionDataset.Example> batch) {
        List<BufferedImage> images = new ArrayList<>(batch.size());
        for (CaptionDataset.Example e : batch) {
            try {
                images.add(loader.read(e.image));
            } catch (CaptionException ex) {
                if (failed.add(e.image)) {
                    log.warn("Skipping image {}: {}", e.image, ex.getMessage());
                }
                images.add(null);
            }
        }
        return images;
    }

    private void store(List<CaptionDataset.Example> batch, List<BufferedImage> images,
                       Map<CaptionDataset.Example, EncodedImage> out) {
        List<BufferedImage> ok = new ArrayList<>();
        List<CaptionDataset.Example> okExamples = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (images.get(i) != null) {
                ok.add(images.get(i));
                okExamples.add(batch.get(i));
            }
        }
        if (ok.isEmpty()) {
            return;
        }
        List<EncodedImage> encoded = FeaturePooling.encodeAll(encoder, ok, poolWindow);
        for (int i = 0; i < ok.size(); i++) {
            EncodedImage pooled = encoded.get(i);
            if (cache != null) {
                cache.put(key(okExamples.get(i)), pooled);
            }
            out.put(okExamples.get(i), pooled);
        }
    }

    /** The cache key of an image: its absolute path and size (a replaced file gets new features). */
    static String key(CaptionDataset.Example e) {
        long size;
        try {
            size = Files.size(e.image);
        } catch (IOException ex) {
            size = -1;
        }
        return e.image.toAbsolutePath().normalize() + "#" + size;
    }
}
