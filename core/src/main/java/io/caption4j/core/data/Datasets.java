package io.caption4j.core.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.caption4j.core.CaptionException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** Loaders for the supported caption formats. */
public final class Datasets {
    public enum Split { TRAIN, DEV, TEST }

    /** The formats {@link #load} reads, spelled as the command line and {@code TrainConfig.dataset} spell them. */
    public enum Format { flickr8k, coco, file }

    private Datasets() {
    }

    /**
     * Loads a data set: {@code flickr8k} the folder {@code source} ({@code split}: null for all images), {@code coco}
     * the captions JSON and {@code file} the CSV or JSONL {@code source} with their images in {@code images} (null:
     * the folder of {@code source}). A set without one usable image is a CaptionException.
     */
    public static CaptionDataset load(Format format, Path source, Path images, Split split) {
        Path imageDir = images != null ? images : source.toAbsolutePath().getParent();
        CaptionDataset d = switch (format) {
            case flickr8k -> flickr8k(source, split);
            case coco -> coco(source, imageDir);
            case file -> userFile(source, imageDir);
        };
        if (d.examples().isEmpty()) {
            throw new CaptionException("No usable images in " + source + " (" + d.report() + ")");
        }
        return d;
    }

    /**
     * Flickr8k (or Flickr30k) in the original layout: {@code Flickr8k.token.txt} lines
     * {@code <image>#<k>\t<caption>}, split files {@code Flickr_8k.{train,dev,test}Images.txt}, photos in
     * {@code images/}. Split null means all images.
     */
    public static CaptionDataset flickr8k(Path root, Split split) {
        Path tokens = root.resolve("Flickr8k.token.txt");
        Set<String> keep = null;
        if (split != null) {
            String f = "Flickr_8k." + split.name().toLowerCase() + "Images.txt";
            keep = new HashSet<>(readLines(root.resolve(f)));
            keep.remove("");
        }
        LoadedDataset.Builder b = new LoadedDataset.Builder("flickr8k" + (split == null ? "" : "-" + split.name().toLowerCase()));
        for (String line : readLines(tokens)) {
            int tab = line.indexOf('\t'), hash = line.lastIndexOf('#', tab);
            if (line.isBlank()) {
                continue;
            }
            if (tab < 0 || hash < 0) {
                b.malformed();
                continue;
            }
            String image = line.substring(0, hash);
            Path p = resolve(root.resolve("images"), image);
            if (p == null) {
                b.malformed();
                continue;
            }
            b.add(image, p, line.substring(tab + 1), line.substring(0, tab));
        }
        Set<String> k = keep;
        return b.build(id -> k == null || k.contains(id));
    }

    /** COCO captions JSON (the official captions_*.json format) with its image folder. */
    public static CaptionDataset coco(Path annotations, Path imageDir) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(annotations.toFile());
        } catch (IOException e) {
            throw new CaptionException(annotations + ": not a readable COCO captions JSON (" + e.getMessage() + ")", e);
        }
        if (!root.has("images") || !root.has("annotations")) {
            throw new CaptionException(annotations + ": not a COCO captions file (needs 'images' and 'annotations')");
        }
        Map<Long, String> files = new HashMap<>();
        LoadedDataset.Builder b = new LoadedDataset.Builder("coco:" + annotations.getFileName());
        for (JsonNode img : root.get("images")) {
            if (!img.has("id") || !img.has("file_name")) {
                b.malformed();
                continue;
            }
            if (files.put(img.get("id").asLong(), img.get("file_name").asText()) != null) {
                b.report.duplicates++;
            }
        }
        for (JsonNode a : root.get("annotations")) {
            String file = a.has("image_id") ? files.get(a.get("image_id").asLong()) : null;
            Path p = file == null ? null : resolve(imageDir, file);
            if (p == null || !a.has("caption")) {
                b.malformed();
                continue;
            }
            b.add(file, p, a.get("caption").asText(), a.has("id") ? "ann" + a.get("id").asText() : null);
        }
        return b.build(id -> true);
    }

    /**
     * A user's own data: CSV lines {@code image,caption} (the caption may be quoted; an optional header line
     * "image,caption") or JSONL lines {@code {"image": ..., "caption": ...}}, by the file's suffix. Image paths
     * are relative to baseDir unless absolute.
     */
    public static CaptionDataset userFile(Path file, Path baseDir) {
        boolean jsonl = file.toString().endsWith(".jsonl") || file.toString().endsWith(".json");
        LoadedDataset.Builder b = new LoadedDataset.Builder("user:" + file.getFileName());
        ObjectMapper mapper = new ObjectMapper();
        int lineNo = 0;
        for (String line : readLines(file)) {
            lineNo++;
            if (line.isBlank() || (!jsonl && lineNo == 1 && line.trim().equalsIgnoreCase("image,caption"))) {
                continue;
            }
            String image, caption;
            if (jsonl) {
                try {
                    JsonNode n = mapper.readTree(line);
                    image = n.path("image").asText(null);
                    caption = n.path("caption").asText(null);
                } catch (IOException e) {
                    b.malformed();
                    continue;
                }
            } else {
                int comma = line.indexOf(',');
                if (comma <= 0) {
                    b.malformed();
                    continue;
                }
                image = line.substring(0, comma).trim();
                caption = line.substring(comma + 1).trim();
                if (caption.length() >= 2 && caption.startsWith("\"") && caption.endsWith("\"")) {
                    caption = caption.substring(1, caption.length() - 1).replace("\"\"", "\"");
                }
            }
            if (image == null || image.isEmpty() || caption == null) {
                b.malformed();
                continue;
            }
            Path p = resolve(baseDir, image);
            if (p == null) {
                b.malformed();
                continue;
            }
            b.add(image, p, caption, image + "\u0000" + caption);
        }
        return b.build(id -> true);
    }

    /** The image's path, or null when the name is not a path on this system (a NUL character, say: found by fuzzing). */
    private static Path resolve(Path dir, String name) {
        try {
            return dir.resolve(name);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static List<String> readLines(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CaptionException(file + ": no such file");
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return r.lines().collect(java.util.stream.Collectors.toList());
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new CaptionException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
