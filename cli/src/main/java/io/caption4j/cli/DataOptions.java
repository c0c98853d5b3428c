package io.caption4j.cli;

import java.nio.file.Path;

import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.train.TrainConfig;
import picocli.CommandLine.Option;

/** Which data set to read: Flickr8k/30k, COCO captions JSON, or a user's CSV/JSONL; the defaults are TrainConfig's. */
public final class DataOptions {
    private static final TrainConfig DEFAULTS = new TrainConfig();

    @Option(names = "--dataset", description = "Data set format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Datasets.Format dataset = Datasets.Format.valueOf(DEFAULTS.dataset);

    @Option(names = "--data",
            description = "flickr8k: the folder with Flickr8k.token.txt, the split files and images/; coco: the captions JSON; "
                    + "file: the CSV or JSONL of image path and caption (default: ${DEFAULT-VALUE}).")
    Path data = Path.of(DEFAULTS.data);

    @Option(names = "--images", description = "coco: the image folder; file: the folder image paths are relative to "
            + "(default: the JSON's or file's folder).")
    Path images;

    /** Loads the named split (flickr8k only; other formats have one split each) and prints what was skipped. */
    CaptionDataset load(Datasets.Split split) {
        CaptionDataset d = Datasets.load(dataset, data, images, split);
        System.err.println(d.name() + ": " + d.report());
        return d;
    }
}
