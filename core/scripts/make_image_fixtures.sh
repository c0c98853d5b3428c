#!/usr/bin/env bash
# Small image fixtures the JDK cannot write itself, for ImageLoaderTest (CI does not run this; the files are
# committed). Needs ImageMagick 6 (apt-get install imagemagick). Run from the repository root:
#   bash core/scripts/make_image_fixtures.sh ../shared/data/images/chelsea.png
set -euo pipefail
src="${1:-../shared/data/images/chelsea.png}"
out=core/src/test/resources/fixtures/images
mkdir -p "$out"
/usr/bin/convert "$src" -resize 48x32! -colorspace CMYK -quality 85 "$out/cmyk.jpg"
/usr/bin/convert "$src" -resize 48x32! -interlace Plane -quality 85 "$out/progressive.jpg"
/usr/bin/convert -size 16x12 xc:red -size 16x12 xc:blue -delay 10 -loop 0 "$out/two_frames.gif"
ls -l "$out"
