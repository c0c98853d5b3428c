#!/usr/bin/env python3
"""Reference metric values for caption4j's BLEU / ROUGE-L / CIDEr-D tests, computed independently:
BLEU-1..4 with nltk's corpus_bleu (Debian python3-nltk), ROUGE-L and CIDEr-D with the coco-caption
formulas transcribed below (pycocoevalcap is not installable here). Captions: 40 Flickr8k test images,
hypothesis = caption #0, references = captions #1-#4, plus a truncated-hypothesis set (brevity penalty).

Set-up: apt-get install -y python3-nltk.  Run from the repository root:
  /usr/bin/python3 core/scripts/make_metric_fixtures.py ../shared/data/flickr8k
Writes core/src/test/resources/fixtures/metrics/flickr8k_40.json (tokens and scores). CI does not run it."""
import json, math, os, re, sys
from collections import defaultdict
from nltk.translate.bleu_score import corpus_bleu

root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/flickr8k"
tok = lambda s: re.sub(r"[^0-9a-z]+", " ", s.lower()).split()   # caption4j's Tokenizer, for ASCII text
caps = defaultdict(dict)
for line in open(os.path.join(root, "Flickr8k.token.txt"), encoding="utf-8"):
    key, text = line.rstrip("\n").split("\t")
    img, k = key.split("#")
    caps[img][int(k)] = tok(text)
test = [l.strip() for l in open(os.path.join(root, "Flickr_8k.testImages.txt")) if l.strip()][:80]

def rouge_l(hyp, refs, beta=1.2):
    def lcs(a, b):
        t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                t[i][j] = t[i-1][j-1] + 1 if a[i-1] == b[j-1] else max(t[i-1][j], t[i][j-1])
        return t[-1][-1]
    p = max(lcs(hyp, r) / len(hyp) for r in refs)
    r = max(lcs(hyp, r) / len(r) for r in refs)
    return ((1 + beta**2) * p * r) / (r + beta**2 * p) if p and r else 0.0

def cider_d(hyps, refss, n=4, sigma=6.0):
    def cook(words):
        c = defaultdict(int)
        for k in range(1, n + 1):
            for i in range(len(words) - k + 1):
                c[tuple(words[i:i+k])] += 1
        return c
    crefs = [[cook(r) for r in refs] for refs in refss]
    df = defaultdict(float)
    for refs in crefs:
        for ng in set(ng for r in refs for ng in r):
            df[ng] += 1
    ref_len = math.log(len(crefs))
    def vec(c):
        v = [defaultdict(float) for _ in range(n)]; norm = [0.0] * n; length = 0
        for ng, tf in c.items():
            k = len(ng) - 1
            v[k][ng] = tf * (ref_len - math.log(max(1.0, df[ng])))
            norm[k] += v[k][ng] ** 2
            if k == 1:
                length += tf
        return v, [math.sqrt(x) for x in norm], length
    out = []
    for hyp, refs in zip(hyps, crefs):
        vh, nh, lh = vec(cook(hyp))
        score = [0.0] * n
        for r in refs:
            vr, nr, lr = vec(r)
            delta = lh - lr
            for k in range(n):
                val = sum(min(vh[k][ng], vr[k][ng]) * vr[k][ng] for ng in vh[k])
                if nh[k] and nr[k]:
                    val /= nh[k] * nr[k]
                score[k] += val * math.exp(-(delta ** 2) / (2 * sigma ** 2))
        out.append(sum(score) / n / len(refs) * 10.0)
    return out

def scores(hyps, refss):
    w = [(1, 0, 0, 0), (0.5, 0.5, 0, 0), (1/3, 1/3, 1/3, 0), (0.25, 0.25, 0.25, 0.25)]
    cd = cider_d(hyps, refss)
    return {"bleu": [corpus_bleu(refss, hyps, weights=x) for x in w],
            "rougeL": sum(rouge_l(h, r) for h, r in zip(hyps, refss)) / len(hyps),
            "ciderD": sum(cd) / len(cd), "ciderD_per_image": cd}

# nltk gives a hypothesis shorter than n a denominator of 1 for its n-grams, coco-caption 0: compare on
# hypotheses of at least 4 tokens, where the two agree
test = [i for i in test if len(caps[i][0]) >= 8][:40]
refss = [[caps[i][k] for k in range(1, 5)] for i in test]
hyps = [caps[i][0] for i in test]
short = [h[:max(4, len(h) // 2)] for h in hyps]
out = {"references": refss, "hypotheses": hyps, "short_hypotheses": short,
       "scores": scores(hyps, refss), "short_scores": scores(short, refss)}
path = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "fixtures", "metrics", "flickr8k_40.json")
json.dump(out, open(path, "w"))
print(json.dumps({k: out[k] for k in ("scores", "short_scores")}, default=str)[:600])
