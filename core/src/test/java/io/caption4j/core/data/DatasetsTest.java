package io.caption4j.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import io.caption4j.core.CaptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Flickr8k, COCO and user CSV/JSONL loading, with bad lines, missing images and duplicates counted. */
class DatasetsTest {
    static Path shared(String sub) {
        for (String base : new String[]{"../shared/data/", "../../shared/data/"}) {
            Path p = Paths.get(base + sub);
            if (Files.exists(p)) {
                return p;
            }
        }
        return Paths.get("../shared/data/" + sub);
    }

    @Test
    void realFlickr8kSplits() {
        Path root = shared("flickr8k");
        assumeTrue(Files.isDirectory(root), "../shared/data/flickr8k is absent: skipping");
        CaptionDataset train = Datasets.flickr8k(root, Datasets.Split.TRAIN);
        CaptionDataset dev = Datasets.flickr8k(root, Datasets.Split.DEV);
        CaptionDataset test = Datasets.flickr8k(root, Datasets.Split.TEST);
        assertEquals(6000, train.examples().size(), train.report().toString());
        assertEquals(1000, dev.examples().size());
        assertEquals(1000, test.examples().size());
        assertEquals(5, test.examples().get(0).captions.size());
        CaptionDataset all = Datasets.flickr8k(root, null);
        assertEquals(8091, all.examples().size());
        // the known defect: 2258277193_586949ec62.jpg has no photo; its lines appear under two ids (".jpg" and ".jpg.1")
        assertEquals(2, all.report().missingImages, all.report().toString());
        assertEquals(40455, all.captionCount());
    }

    @Test
    void realCocoMini() {
        Path root = shared("coco-mini");
        assumeTrue(Files.isDirectory(root), "../shared/data/coco-mini is absent: skipping");
        CaptionDataset coco = Datasets.coco(root.resolve("annotations/captions_train2017.json"), root.resolve("train2017"));
        assertEquals(80, coco.examples().size(), coco.report().toString());
        assertTrue(coco.captionCount() >= 400);
        assertEquals(0, coco.report().malformedLines);
    }

    @Test
    void flickrStyleDefectsAreCountedNotFatal(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("images"));
        Files.write(dir.resolve("images/a.jpg"), new byte[]{1});
        Files.write(dir.resolve("images/b.jpg"), new byte[]{1});
        Files.writeString(dir.resolve("Flickr8k.token.txt"), String.join("\n",
                "a.jpg#0\tA dog runs.", "a.jpg#1\tA dog plays.", "a.jpg#1\tdup", "b.jpg#0\tA cat.",
                "garbage line without tab", "c.jpg#0\tNo image for me.", "b.jpg#1\t   "));
        Files.writeString(dir.resolve("Flickr_8k.trainImages.txt"), "a.jpg\nc.jpg\n");
        CaptionDataset all = Datasets.flickr8k(dir, null);
        assertEquals(2, all.examples().size());
        CaptionDataset.Report r = all.report();
        assertEquals(1, r.duplicates);
        assertEquals(2, r.malformedLines, "no tab, and an empty caption");
        assertEquals(1, r.missingImages);
        assertEquals(List.of("A dog runs.", "A dog plays."), all.examples().get(0).captions);
        assertEquals(1, Datasets.flickr8k(dir, Datasets.Split.TRAIN).examples().size());
        assertThrows(CaptionException.class, () -> Datasets.flickr8k(dir, Datasets.Split.TEST));
    }

    @Test
    void cocoDefects(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("1.jpg"), new byte[]{1});
        Path json = Files.writeString(dir.resolve("caps.json"), "{\"images\":[{\"id\":1,\"file_name\":\"1.jpg\"},"
                + "{\"id\":2,\"file_name\":\"2.jpg\"}],\"annotations\":[{\"image_id\":1,\"id\":10,\"caption\":\"x y\"},"
                + "{\"image_id\":1,\"id\":10,\"caption\":\"dup\"},{\"image_id\":9,\"id\":11,\"caption\":\"orphan\"},"
                + "{\"image_id\":2,\"id\":12,\"caption\":\"no file\"}]}");
        CaptionDataset d = Datasets.coco(json, dir);
        assertEquals(1, d.examples().size());
        assertEquals(1, d.report().duplicates);
        assertEquals(1, d.report().malformedLines);
        assertEquals(1, d.report().missingImages);
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"foo\":1}");
        CaptionException e = assertThrows(CaptionException.class, () -> Datasets.coco(bad, dir));
        assertTrue(e.getMessage().contains("bad.json"));
    }

    @Test
    void userCsvAndJsonl(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("p.png"), new byte[]{1});
        Path csv = Files.writeString(dir.resolve("mine.csv"),
                "image,caption\np.png,\"A red, shiny car\"\np.png,A car\nbroken\nq.png,gone\n");
        CaptionDataset c = Datasets.userFile(csv, dir);
        assertEquals(List.of("A red, shiny car", "A car"), c.examples().get(0).captions);
        assertEquals(1, c.report().malformedLines);
        assertEquals(1, c.report().missingImages);
        Path jsonl = Files.writeString(dir.resolve("mine.jsonl"), "{\"image\":\"p.png\",\"caption\":\"A car\"}\n{oops\n");
        CaptionDataset j = Datasets.userFile(jsonl, dir);
        assertEquals(1, j.examples().size());
        assertEquals(1, j.report().malformedLines);
    }

    /** Found by fuzzing (ReadersFuzzTest#csv): an image name with a NUL character threw InvalidPathException. */
    @Test
    void imageNamesThatAreNoPathAreMalformedLines(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("p.png"), new byte[]{1});
        Path csv = Files.writeString(dir.resolve("nul.csv"), "p.png,a car\nq\u0000.png,a dog\n");
        CaptionDataset c = Datasets.userFile(csv, dir);
        assertEquals(1, c.examples().size());
        assertEquals(1, c.report().malformedLines);
        Path coco = Files.writeString(dir.resolve("nul.json"), "{\"images\": [{\"id\": 1, \"file_name\": \"p\\u0000.png\"}],"
                + " \"annotations\": [{\"image_id\": 1, \"caption\": \"a dog\"}]}");
        assertEquals(1, Datasets.coco(coco, dir).report().malformedLines);
    }

    @Test
    void loadByFormatFindsImagesBesideTheFileAndRefusesAnEmptySet(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("p.png"), new byte[]{1});
        Path csv = Files.writeString(dir.resolve("mine.csv"), "image,caption\np.png,A car\n");
        CaptionDataset d = Datasets.load(Datasets.Format.file, csv, null, null);
        assertEquals(dir.resolve("p.png"), d.examples().get(0).image);
        assertEquals(Datasets.userFile(csv, dir).examples().size(), d.examples().size());

        Path none = Files.writeString(dir.resolve("none.csv"), "image,caption\nq.png,gone\n");
        String m = assertThrows(CaptionException.class, () -> Datasets.load(Datasets.Format.file, none, dir, null)).getMessage();
        assertTrue(m.contains("No usable images") && m.contains("none.csv"), m);
    }
}
