#!/usr/bin/env node
// Reference outputs of the nsfwjs@4.4.0 InceptionV3 computed by TF.js itself (pure-JS CPU backend), for
// caption4j's InceptionV3 import test. CI does not run this script; its outputs are committed.
//
// Writes to zoo/src/test/resources/fixtures/inception/:
//   <name>.png            the photo resized to 299x299 RGB (jimp, bilinear): the exact network input
//   tfjs_reference.json   for each photo: the 2048 pooled mixed10 features (average_pooling2d_10) and the
//                         5 class probabilities of the original head (dense_3), plus the first 16 channels
//                         of mixed5 at region (0, 0) as an early-layer check
//
// Set-up (once, in any scratch folder; the tarball is the one caption4j uses, see NsfwjsPackage):
//   npm install @tensorflow/tfjs@4.22.0 jimp@0.22.12
//   (cd ~/.caption4j/cache && npm pack nsfwjs@4.4.0) && mkdir -p /tmp/nsfw && tar xzf ~/.caption4j/cache/nsfwjs-4.4.0.tgz -C /tmp/nsfw
// Run from the repository root:
//   NODE_PATH=<scratch>/node_modules node zoo/scripts/tfjs_reference.js /tmp/nsfw/package ../shared/data/images
const tf = require('@tensorflow/tfjs');
const Jimp = require('jimp');
const path = require('path');
const fs = require('fs');

const [pkg, images] = process.argv.slice(2);
const out = path.join(__dirname, '..', 'src', 'test', 'resources', 'fixtures', 'inception');
const photos = ['chelsea.png', 'coffee.png', 'parrot.jpg'];

async function main() {
  const dir = path.join(pkg, 'dist', 'models', 'inception_v3');
  const model = require(path.join(dir, 'model.min.js'));
  const spec = model.weightsManifest[0];
  const shards = spec.paths.map(p => Buffer.from(require(path.join(dir, p + '.min.js')), 'base64'));
  const data = Buffer.concat(shards);
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const net = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: model.modelTopology, weightSpecs: spec.weights, weightData}));
  const probe = tf.model({inputs: net.inputs, outputs: [
    net.getLayer('average_pooling2d_10').output, net.getLayer('dense_3').output, net.getLayer('mixed5').output]});
  const result = {tfjs: tf.version.tfjs, backend: tf.getBackend(), images: {}};
  for (const name of photos) {
    const img = await Jimp.read(path.join(images, name));
    img.resize(299, 299, Jimp.RESIZE_BILINEAR);
    const png = name.replace(/\.[a-z]+$/, '') + '.png';
    await img.writeAsync(path.join(out, png));
    const back = await Jimp.read(path.join(out, png)); // exactly what the Java test will read
    const px = new Float32Array(299 * 299 * 3);
    let k = 0;
    for (let y = 0; y < 299; y++) for (let x = 0; x < 299; x++) {
      const c = Jimp.intToRGBA(back.getPixelColor(x, y));
      px[k++] = c.r / 127.5 - 1; px[k++] = c.g / 127.5 - 1; px[k++] = c.b / 127.5 - 1;
    }
    const [pooled, probs, mixed5] = probe.predict(tf.tensor4d(px, [1, 299, 299, 3]));
    result.images[png] = {
      pooled: Array.from(await pooled.data()),
      probs: Array.from(await probs.data()),
      mixed5_r0_c16: Array.from((await mixed5.data()).slice(0, 16)),
    };
    console.log(name, 'probs', result.images[png].probs.map(v => v.toFixed(4)).join(' '));
  }
  fs.writeFileSync(path.join(out, 'tfjs_reference.json'), JSON.stringify(result));
}
main().catch(e => { console.error(e); process.exit(1); });
