package io.caption4j.core.eval;

import java.io.InputStream;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.*;

/**
 * BLEU against nltk's corpus_bleu, ROUGE-L and CIDEr-D against an independent transcription of coco-caption
 * (core/scripts/make_metric_fixtures.py, 40 Flickr8k test images), and small cases worked by hand.
 */
class MetricsTest {
    static JsonNode fx;
    static List<List<String>> hyps, shortHyps;
    static List<List<List<String>>> refs;

    static JsonNode fixture() throws Exception {
        if (fx == null) {
            try (InputStream in = MetricsTest.class.getResourceAsStream("/fixtures/metrics/flickr8k_40.json")) {
                fx = new ObjectMapper().readTree(in);
            }
            ObjectMapper m = new ObjectMapper();
            hyps = m.convertValue(fx.get("hypotheses"), new TypeReference<List<List<String>>>() { });
            shortHyps = m.convertValue(fx.get("short_hypotheses"), new TypeReference<List<List<String>>>() { });
            refs = m.convertValue(fx.get("references"), new TypeReference<List<List<List<String>>>>() { });
        }
        return fx;
    }

    @Test
    void bleuMatchesNltk() throws Exception {
        for (String set : new String[]{"scores", "short_scores"}) {
            double[] got = Bleu.score(set.equals("scores") ? hyps(fixture()) : shortHyps, refs);
            for (int n = 0; n < 4; n++) {
                assertEquals(fx.get(set).get("bleu").get(n).asDouble(), got[n], 1e-9, set + " BLEU-" + (n + 1));
            }
        }
    }

    static List<List<String>> hyps(JsonNode ignored) {
        return hyps;
    }

    @Test
    void rougeLAndCiderDMatchTheCocoFormulas() throws Exception {
        fixture();
        assertEquals(fx.get("scores").get("rougeL").asDouble(), RougeL.score(hyps, refs), 1e-12);
        assertEquals(fx.get("short_scores").get("rougeL").asDouble(), RougeL.score(shortHyps, refs), 1e-12);
        double[] per = CiderD.scores(hyps, refs);
        for (int i = 0; i < per.length; i++) {
            assertEquals(fx.get("scores").get("ciderD_per_image").get(i).asDouble(), per[i], 1e-9, "image " + i);
        }
        assertEquals(fx.get("scores").get("ciderD").asDouble(), CiderD.score(hyps, refs), 1e-9);
        assertEquals(fx.get("short_scores").get("ciderD").asDouble(), CiderD.score(shortHyps, refs), 1e-9);
    }

    @Test
    void byHand() {
        List<String> h = List.of("a", "dog", "runs");
        List<List<String>> r = List.of(List.of("a", "dog", "runs", "fast"), List.of("the", "cat"));
        // LCS with ref 1 = 3: P = 3/3, R = 3/4; with ref 2 = 0. F = 2.44 * 1 * 0.75 / (0.75 + 1.44) = 0.8356...
        assertEquals(2.44 * 0.75 / (0.75 + 1.44), RougeL.image(h, r), 1e-12);
        // BLEU: 1-grams 3/3, 2-grams 2/2, 3-grams 1/1, no 4-grams (0/0 -> coco's guards give 1e-15/1e-9);
        // closest reference length to 3 is 2 (tie between 4 and 2 -> shorter): no brevity penalty.
        double[] b = Bleu.score(List.of(h), List.of(r));
        assertEquals(1.0, b[0], 1e-9);
        assertEquals(1.0, b[1], 1e-9);
        assertEquals(1.0, b[2], 1e-9);
        assertEquals(Math.pow(1e-15 / 1e-9, 0.25), b[3], 1e-9);
        // CIDEr-D of a caption identical to its only reference in a one-image corpus: idf = log(1) - log(1) = 0,
        // so every vector is zero and the score is 0 (coco's known degenerate case).
        assertEquals(0.0, CiderD.score(List.of(h), List.of(List.of(h))), 1e-12);
        // two images: identical hypothesis and reference, n-grams unique to each image: cos = 1 per n, no length
        // penalty, so CIDEr-D = 10 * mean over n of 1 = 10.
        List<List<String>> hs = List.of(List.of("a", "b", "c", "d"), List.of("e", "f", "g", "h"));
        assertEquals(10.0, CiderD.score(hs, List.of(List.of(hs.get(0)), List.of(hs.get(1)))), 1e-9);
    }
}
