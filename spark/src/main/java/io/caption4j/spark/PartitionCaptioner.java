package io.caption4j.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import io.caption4j.core.Caption;
import io.caption4j.core.CaptionException;
import io.caption4j.core.CaptionModel;
import io.caption4j.core.decode.DecodeOptions;
import io.caption4j.core.image.ImageLoader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.collection.JavaConverters;

/**
 * Captions one partition of (path[, content]) rows on an executor: the executor's shared model, images decoded and
 * captioned {@code batchSize} at a time through {@code describeAll}; an image that cannot be read or decoded gets an
 * error row (null caption) instead of failing the task.
 */
final class PartitionCaptioner implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final String modelKey;
    private final int beamSize;      // 0: the model's default decoding
    private final int batchSize;
    private final boolean hasContent;
    private final Map<String, String> hadoopConf;  // the driver's, to read paths (hdfs:, s3a:) when there is no content

    PartitionCaptioner(String modelKey, int beamSize, int batchSize, boolean hasContent, Map<String, String> hadoopConf) {
        this.modelKey = modelKey;
        this.beamSize = beamSize;
        this.batchSize = batchSize;
        this.hasContent = hasContent;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new Iterator<>() {
            private final List<Row> ready = new ArrayList<>();
            private int next;

            @Override
            public boolean hasNext() {
                while (next == ready.size() && input.hasNext()) {
                    ready.clear();
                    next = 0;
                    List<Row> batch = new ArrayList<>(batchSize);
                    while (batch.size() < batchSize && input.hasNext()) {
                        batch.add(input.next());
                    }
                    ready.addAll(describe(batch));
                }
                return next < ready.size();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.get(next++);
            }
        };
    }

    /** One output row per input row, in order. */
    private List<Row> describe(List<Row> batch) {
        ImageLoader loader = new ImageLoader();
        String[] paths = new String[batch.size()];
        BufferedImage[] images = new BufferedImage[batch.size()];
        String[] errors = new String[batch.size()];
        List<BufferedImage> good = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Row r = batch.get(i);
            paths[i] = r.getString(0);
            try {
                byte[] bytes = hasContent && !r.isNullAt(1) ? (byte[]) r.get(1) : read(paths[i]);
                images[i] = loader.read(bytes, paths[i]);
                good.add(images[i]);
            } catch (RuntimeException | IOException e) {
                errors[i] = message(e);
            }
        }
        Caption[] captions = new Caption[batch.size()];
        if (!good.isEmpty()) {
            CaptionModel model = ExecutorModels.get(modelKey);
            DecodeOptions d = model.defaultOptions();
            DecodeOptions options = beamSize <= 0 ? d : DecodeOptions.beamOrGreedy(beamSize).withMaxLength(d.maxLength);
            try {
                List<Caption> all = model.describeAll(good, options);
                for (int i = 0, k = 0; i < batch.size(); i++) {
                    if (images[i] != null) {
                        captions[i] = all.get(k++);
                    }
                }
            } catch (RuntimeException batchFailed) {
                // one image the encoder rejects must not cost the others their captions: retry one by one
                for (int i = 0; i < batch.size(); i++) {
                    if (images[i] != null) {
                        try {
                            captions[i] = model.describe(images[i], options);
                        } catch (RuntimeException e) {
                            errors[i] = message(e);
                        }
                    }
                }
            }
        }
        List<Row> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Caption c = captions[i];
            out.add(c == null
                    ? RowFactory.create(paths[i], null, null, null, errors[i])
                    : RowFactory.create(paths[i], c.text(), JavaConverters.asScalaBuffer(c.tokens()).toList(),
                            c.logProb(), null));
        }
        return out;
    }

    private byte[] read(String path) throws IOException {
        if (path == null) {
            throw new IOException("no path");
        }
        Configuration conf = new Configuration(false);
        hadoopConf.forEach(conf::set);
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(conf);   // Hadoop's shared, cached instance: not ours to close
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    private static String message(Exception e) {
        String m = e.getMessage() == null ? "(no message)" : e.getMessage();
        return e instanceof CaptionException ? m : e.getClass().getSimpleName() + ": " + m;
    }
}
