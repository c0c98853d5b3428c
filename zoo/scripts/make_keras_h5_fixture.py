#!/usr/bin/env python3
"""A tiny Keras-format HDF5 model and its expected outputs, for caption4j's Keras HDF5 import test.
The expected outputs are computed here with numpy, independently of caption4j.

Writes zoo/src/test/resources/fixtures/keras/:
  tiny_model.h5         full-model layout (model_config attribute + model_weights group), as keras Model.save
  tiny_weights.h5       weights-only layout (layer_names at the root), as keras save_weights and the
                        keras.applications *_notop.h5 files
  tiny_expected.json    input [1, 5, 5, 2] (NHWC) and the outputs of layers r (relu map) and d (dense)

Set-up: apt-get install -y python3-h5py python3-numpy.  Run from the repository root:
  /usr/bin/python3 zoo/scripts/make_keras_h5_fixture.py
CI does not run this script; its outputs are committed."""
import json, os
import h5py
import numpy as np

rng = np.random.default_rng(3)
out = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "fixtures", "keras")
os.makedirs(out, exist_ok=True)

def layer(name, cls, config, inputs):
    return {"name": name, "class_name": cls, "config": dict(config, name=name),
            "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]] if inputs else []}

layers = [
    layer("input_1", "InputLayer", {"batch_input_shape": [None, 5, 5, 2]}, []),
    layer("conv2d_1", "Conv2D", {"filters": 3, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                                 "dilation_rate": [1, 1], "use_bias": False, "activation": "linear"}, ["input_1"]),
    layer("batch_normalization_1", "BatchNormalization", {"epsilon": 0.001, "center": True, "scale": False}, ["conv2d_1"]),
    layer("r", "Activation", {"activation": "relu"}, ["batch_normalization_1"]),
    layer("max_pooling2d_1", "MaxPooling2D", {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}, ["r"]),
    layer("flatten_1", "Flatten", {}, ["max_pooling2d_1"]),
    layer("d", "Dense", {"units": 2, "activation": "softmax", "use_bias": True}, ["flatten_1"]),
]
config = {"class_name": "Model", "config": {"name": "tiny", "layers": layers,
                                            "input_layers": [["input_1", 0, 0]], "output_layers": [["d", 0, 0]]}}
w = {
    "conv2d_1": {"kernel": rng.normal(0, 0.5, (3, 3, 2, 3)).astype(np.float32)},
    "batch_normalization_1": {"beta": rng.normal(0, 0.2, 3).astype(np.float32),
                              "moving_mean": rng.normal(0, 0.2, 3).astype(np.float32),
                              "moving_variance": rng.uniform(0.5, 2, 3).astype(np.float32)},
    "d": {"kernel": rng.normal(0, 0.5, (12, 2)).astype(np.float32), "bias": rng.normal(0, 0.1, 2).astype(np.float32)},
}

def write_layers(g):
    g.attrs["layer_names"] = [n.encode() for n in ["input_1", "conv2d_1", "batch_normalization_1", "r",
                                                   "max_pooling2d_1", "flatten_1", "d"]]
    for lname in ["input_1", "conv2d_1", "batch_normalization_1", "r", "max_pooling2d_1", "flatten_1", "d"]:
        lg = g.create_group(lname)
        names = [f"{lname}/{k}:0" for k in w.get(lname, {})]
        lg.attrs["weight_names"] = [n.encode() for n in names]
        for k, v in w.get(lname, {}).items():
            lg.create_dataset(f"{lname}/{k}:0", data=v)

with h5py.File(os.path.join(out, "tiny_model.h5"), "w") as f:
    f.attrs["keras_version"] = b"2.2.4"
    f.attrs["backend"] = b"tensorflow"
    f.attrs["model_config"] = json.dumps(config).encode()
    write_layers(f.create_group("model_weights"))
with h5py.File(os.path.join(out, "tiny_weights.h5"), "w") as f:
    f.attrs["keras_version"] = b"2.2.4"
    f.attrs["backend"] = b"tensorflow"
    write_layers(f)

# numpy forward pass (NHWC), independent of caption4j
x = rng.normal(0, 1, (1, 5, 5, 2)).astype(np.float64)
k = w["conv2d_1"]["kernel"].astype(np.float64)
xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
conv = np.zeros((1, 5, 5, 3))
for i in range(5):
    for j in range(5):
        conv[0, i, j] = np.tensordot(xp[0, i:i + 3, j:j + 3, :], k, axes=([0, 1, 2], [0, 1, 2]))
bn = w["batch_normalization_1"]
y = (conv - bn["moving_mean"]) / np.sqrt(bn["moving_variance"] + 0.001) + bn["beta"]
r = np.maximum(y, 0)
pool = r[:, :4, :4, :].reshape(1, 2, 2, 2, 2, 3).max(axis=(2, 4))   # 2x2 valid: rows/cols 0..3
flat = pool.reshape(1, -1)                                              # channels-last flatten
logits = flat @ w["d"]["kernel"] + w["d"]["bias"]
d = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
json.dump({"input_nhwc": x.tolist(), "r_nhwc": r.tolist(), "d": d.tolist()},
          open(os.path.join(out, "tiny_expected.json"), "w"))
print("wrote", sorted(os.listdir(out)))
