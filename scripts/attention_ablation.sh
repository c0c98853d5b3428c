#!/usr/bin/env bash
# Equal-budget attention ablation (issue 10): the first 1,500 Flickr8k training images, 3 epochs, the README's
# recipe otherwise; then greedy captions of the first 500 dev images with the attention statistics and object
# mentions. Results go to runs/ablation/NAME (train.log, eval-dev-greedy.txt).
# usage: scripts/attention_ablation.sh NAME [extra train options, e.g. --attention-state H --dropout 0]
# The layer and pooling come from LAYER (default MIXED5) and POOL (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; shift
out=runs/ablation/$name
mkdir -p "$out"
./caption4j train --out "$out" --layer "${LAYER:-MIXED5}" --pool "${POOL:-2}" \
  --word-vectors ../shared/data/glove/glove.6B.50d.flickr8k_vocab.txt --embedding FINE_TUNE \
  --limit-images 1500 --epochs 3 --lr 5e-4 --lr-decay 0.85 --checkpoint-minutes 10 --checkpoint-steps 0 \
  --validation-images 200 --no-progress "$@" > "$out/train.log" 2>&1
./caption4j evaluate --model "$out/best.zip" --split DEV --beam 1 --limit 500 \
  --predictions "$out/dev-greedy.json" > "$out/eval-dev-greedy.txt" 2>&1
grep -h "^epoch" "$out/train.log" | tail -1
grep -h "Attention:" "$out/eval-dev-greedy.txt"
