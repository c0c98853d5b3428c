package io.caption4j.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** A dataset held in memory (captions and paths only; images are read when used). Built by the loaders. */
final class LoadedDataset implements CaptionDataset {
    private final String name;
    private final List<Example> examples;
    private final Report report;

    private LoadedDataset(String name, List<Example> examples, Report report) {
        this.name = name;
        this.examples = Collections.unmodifiableList(examples);
        this.report = report;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Example> examples() {
        return examples;
    }

    @Override
    public Report report() {
        return report;
    }

    /** Collects captions by image, counting duplicates (same caption key twice) and missing image files. */
    static final class Builder {
        final String name;
        final Report report = new Report();
        private final Map<String, List<String>> captions = new LinkedHashMap<>();
        private final Map<String, Path> paths = new LinkedHashMap<>();
        private final Set<String> keys = new LinkedHashSet<>();

        Builder(String name) {
            this.name = name;
        }

        void malformed() {
            report.malformedLines++;
        }

        /** Adds a caption; key identifies it (for duplicates) or is null when the format has no caption ids. */
        void add(String imageId, Path image, String caption, String key) {
            if (key != null && !keys.add(key)) {
                report.duplicates++;
                return;
            }
            if (caption == null || caption.isBlank()) {
                report.malformedLines++;
                return;
            }
            captions.computeIfAbsent(imageId, k -> new ArrayList<>()).add(caption.trim());
            paths.putIfAbsent(imageId, image);
        }

        CaptionDataset build(Function<String, Boolean> keep) {
            List<Example> out = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : captions.entrySet()) {
                if (!keep.apply(e.getKey())) {
                    continue;
                }
                Path p = paths.get(e.getKey());
                if (p == null || !Files.isRegularFile(p)) {
                    report.missingImages++;
                    continue;
                }
                out.add(new Example(e.getKey(), p, e.getValue()));
                report.captions += e.getValue().size();
            }
            report.images = out.size();
            return new LoadedDataset(name, out, report);
        }
    }
}
