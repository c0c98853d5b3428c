package io.caption4j.core.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Images with their captions, from COCO, Flickr8k/30k or a user's CSV/JSONL. Loading never stops at a bad
 * line or a missing image: it skips it, counts it in {@link #report()}, and goes on.
 */
public interface CaptionDataset {
    /** One image and its raw (untokenized) captions. */
    final class Example {
        public final String imageId;
        public final Path image;
        public final List<String> captions;

        public Example(String imageId, Path image, List<String> captions) {
            this.imageId = imageId;
            this.image = image;
            this.captions = List.copyOf(captions);
        }
    }

    /** What loading kept and skipped. */
    final class Report {
        public int images, captions, malformedLines, missingImages, duplicates;

        @Override
        public String toString() {
            return images + " images, " + captions + " captions; skipped " + malformedLines + " malformed lines, "
                    + missingImages + " missing images, " + duplicates + " duplicates";
        }
    }

    String name();

    List<Example> examples();

    Report report();

    /** The number of captions over all examples. */
    default int captionCount() {
        return examples().stream().mapToInt(e -> e.captions.size()).sum();
    }

    /** The first n images of this data set (all of them if n is 0 or at least the size). */
    default CaptionDataset limit(int n) {
        if (n <= 0 || n >= examples().size()) {
            return this;
        }
        CaptionDataset all = this;
        List<Example> kept = List.copyOf(examples().subList(0, n));
        Report r = new Report();
        r.images = n;
        r.captions = kept.stream().mapToInt(e -> e.captions.size()).sum();
        return new CaptionDataset() {
            public String name() { return all.name() + "-first" + n; }
            public List<Example> examples() { return kept; }
            public Report report() { return r; }
        };
    }
}
