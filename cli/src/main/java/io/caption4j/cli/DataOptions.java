package io.caption4j.cli;

import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Which data set to read: Flickr8k/30k, COCO captions JSON, or a user's CSV/JSONL. */
public final class DataOptions {
    @Option(names = "--dataset", defaultValue = "flickr8k",
            description = "Data set format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Datasets.Format format;

    @Option(names = "--data", defaultValue = "../shared/data/flickr8k",
            description = "flickr8k: the folder with Flickr8k.token.txt, the split files and images/; coco: the captions JSON; "
                    + "file: the CSV or JSONL of image path and caption (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--images", description = "coco: the image folder; file: the folder image paths are relative to "
            + "(default: the JSON's or file's folder).")
    Path images;

    /** Loads the named split (flickr8k only; other formats have one split each) and prints what was skipped. */
    CaptionDataset load(Datasets.Split split) {
        CaptionDataset d = Datasets.load(format, data, images, split);
        System.err.println(d.name() + ": " + d.report());
        return d;
    }
}
