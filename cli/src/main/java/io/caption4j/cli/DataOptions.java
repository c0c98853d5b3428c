package io.caption4j.cli;

import io.caption4j.core.CaptionException;
import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Which data set to read: Flickr8k/30k, COCO captions JSON, or a user's CSV/JSONL. */
public final class DataOptions {
    /** The data set formats. */
    public enum Format { flickr8k, coco, file }

    @Option(names = "--dataset", defaultValue = "flickr8k",
            description = "Data set format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--data", defaultValue = "../shared/data/flickr8k",
            description = "flickr8k: the folder with Flickr8k.token.txt, the split files and images/; coco: the captions JSON; "
                    + "file: the CSV or JSONL of image path and caption (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--images", description = "coco: the image folder; file: the folder image paths are relative to "
            + "(default: the JSON's or file's folder).")
    Path images;

    /** Loads the named split (flickr8k only; other formats have one split each) and logs what was skipped. */
    CaptionDataset load(Datasets.Split split, Path override) {
        return load(split, override, images);
    }

    /** As {@link #load(Datasets.Split, Path)} with another image folder (coco and file formats). */
    CaptionDataset load(Datasets.Split split, Path override, Path images) {
        Path source = override != null ? override : data;
        CaptionDataset d;
        switch (format) {
            case coco:
                d = Datasets.coco(source, images != null ? images : source.toAbsolutePath().getParent());
                break;
            case file:
                d = Datasets.userFile(source, images != null ? images : source.toAbsolutePath().getParent());
                break;
            case flickr8k:
            default:
                d = Datasets.flickr8k(source, split);
        }
        if (d.examples().isEmpty()) {
            throw new CaptionException("No usable images in " + source + " (" + d.report() + ")");
        }
        System.err.println(d.name() + ": " + d.report());
        return d;
    }
}
