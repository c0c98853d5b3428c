package io.caption4j.cli;

import java.util.List;
import java.util.concurrent.Callable;

import io.caption4j.core.data.CaptionDataset;
import io.caption4j.core.data.Datasets;
import io.caption4j.core.data.FeatureSource;
import io.caption4j.core.image.ImageEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Fills the feature cache for a data set ahead of training, so the first epoch runs at full speed. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Encode every image of a data set into the feature cache (training does this too when needed).")
final class FeaturesCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;
    @Mixin
    EncoderOptions enc;

    @Option(names = "--split", split = ",", defaultValue = "TRAIN,DEV,TEST",
            description = "flickr8k splits to encode, comma separated: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    List<Datasets.Split> splits;

    @Override
    public Integer call() {
        ImageEncoder encoder = enc.encoder();
        FeatureSource source = enc.featureSource(encoder);
        List<Datasets.Split> todo = data.dataset == Datasets.Format.flickr8k ? splits : List.of(Datasets.Split.TRAIN);
        for (Datasets.Split split : todo) {
            CaptionDataset d = data.load(split);
            int n = source.precompute(d.examples(), d.name(), new ProgressBarListener());
            System.err.println(d.name() + ": encoded " + n + " images, " + (d.examples().size() - n) + " were cached");
        }
        if (source.failedImages() > 0) {
            System.err.println("Skipped " + source.failedImages() + " unreadable images");
        }
        return 0;
    }
}
