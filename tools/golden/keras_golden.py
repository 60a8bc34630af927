#!/usr/bin/python3
"""Golden logits for the paper's Keras ResNets (model/keras), from an
independent rebuild: this script interprets each file's model_config layer by
layer in PyTorch (float64), with the weights read by h5py, and writes
model/keras/testdata/golden_<model>.json (the modeltest.Golden format).

The input normalisation is the per-pixel mean and std image over the
CIFAR-10 training set (all 50,000 images of cifar10-jpeg/train, decoded with
PIL, pixels / 255, population std). The paper computed them over all 60,000
CIFAR-10 images, test set included, from the original (lossless) pixels; we
use the training images only, so no test image leaks into the model's input.
Go's and PIL's JPEG decoders differ slightly, so the exact values this script
used are written to model/keras/testdata/norm_cifar10_train.bin (the
model.ReadNorm format) and the Go test loads that file. No CIFAR-100 training
set is available here, so the CIFAR-100 models use the same CIFAR-10 file:
right for parity (both sides use it), an approximation for accuracy.

Run from the repository root with Debian's python (h5py, torch, PIL):
    /usr/bin/python3 tools/golden/keras_golden.py [-data ../shared/data] [-recompute-norm]
"""
import argparse
import json
import os
import struct
import sys
import zlib

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import goldenlib  # noqa: E402

MODELS = [
    "cifar10_ResNet20v1_model.178.h5",
    "cifar10_ResNet32v1_model.150.h5",
    "cifar100_ResNet20v1_model.158.h5",
    "cifar100_ResNet32v1_model.143.h5",
]
OUT = os.path.join("model", "keras", "testdata")
NORM = os.path.join(OUT, "norm_cifar10_train.bin")
MAGIC = b"ECNORM\r\n"


def pixel_stats(folder):
    """Per-pixel mean and population std (CHW, float64) over every JPEG."""
    paths = sorted(os.path.join(r, n) for r, _, names in os.walk(folder) for n in names if n.endswith(".jpg"))
    s = np.zeros((32, 32, 3))
    s2 = np.zeros((32, 32, 3))
    for p in paths:
        x = np.asarray(Image.open(p).convert("RGB"), dtype=np.float64) / 255.0
        s += x
        s2 += x * x
    n = len(paths)
    mean = s / n
    std = np.sqrt(np.maximum(s2 / n - mean * mean, 0))
    print("pixel stats over %d images" % n, file=sys.stderr)
    return mean.transpose(2, 0, 1).reshape(-1), std.transpose(2, 0, 1).reshape(-1)


def write_norm(path, mean, std):
    """model/normfile.go: magic, version 1, count, means, stds, CRC-32."""
    mean, std = np.asarray(mean, "<f4"), np.asarray(std, "<f4")
    body = MAGIC + struct.pack("<II", 1, mean.size) + mean.tobytes() + std.tobytes()
    with open(path, "wb") as f:
        f.write(body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF))


def read_norm(path):
    b = open(path, "rb").read()
    body, crc = b[:-4], struct.unpack("<I", b[-4:])[0]
    assert body[:8] == MAGIC and zlib.crc32(body) & 0xFFFFFFFF == crc, path
    version, n = struct.unpack("<II", body[8:16])
    assert version == 1
    v = np.frombuffer(body[16:], "<f4")
    return v[:n], v[n:]


def same_pad(size, k, s):
    """TensorFlow "same": out = ceil(size/s), the odd padding pixel last."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def run(path, x):
    """Interprets model_config on x (N x 3 x 32 x 32, normalised), returning
    the logits: the last Dense layer without its softmax."""
    f = h5py.File(path, "r")
    cfg = json.loads(f.attrs["model_config"])
    layers = cfg["config"]["layers"]
    weights = f["model_weights"]

    def w(name, key):
        g = weights[name]
        for n in g.attrs["weight_names"]:
            n = n.decode() if isinstance(n, bytes) else n
            if n.split("/")[-1].split(":")[0] == key:
                return torch.from_numpy(np.asarray(g[n], dtype=np.float64))
        raise KeyError((name, key))

    out = {}
    last = layers[-1]["name"]
    for l in layers:
        name, cls, c = l["name"], l["class_name"], l["config"]
        ins = [out[n[0]] for n in l["inbound_nodes"][0]] if l["inbound_nodes"] else []
        if cls == "InputLayer":
            y = x
        elif cls == "Conv2D":
            assert c["padding"] == "same" and c["data_format"] == "channels_last"
            k, s = c["kernel_size"], c["strides"]
            t, b = same_pad(ins[0].shape[2], k[0], s[0])
            le, r = same_pad(ins[0].shape[3], k[1], s[1])
            kern = w(name, "kernel").permute(3, 2, 0, 1)  # HWIO -> OIHW
            bias = w(name, "bias") if c["use_bias"] else None
            y = F.conv2d(F.pad(ins[0], (le, r, t, b)), kern, bias, stride=tuple(s))
            assert c["activation"] == "linear"
        elif cls == "BatchNormalization":
            eps = c.get("epsilon", 1e-3)
            shape = (1, -1, 1, 1)
            y = (ins[0] - w(name, "moving_mean").view(shape)) / torch.sqrt(w(name, "moving_variance").view(shape) + eps)
            y = y * w(name, "gamma").view(shape) + w(name, "beta").view(shape)
        elif cls == "Activation":
            assert c["activation"] == "relu", c["activation"]
            y = torch.relu(ins[0])
        elif cls == "Add":
            y = ins[0] + ins[1]
        elif cls == "AveragePooling2D":
            assert c["padding"] == "valid"
            y = F.avg_pool2d(ins[0], tuple(c["pool_size"]), tuple(c["strides"]))
        elif cls == "Flatten":
            y = ins[0].permute(0, 2, 3, 1).reshape(ins[0].shape[0], -1)  # channels_last order
        elif cls == "Dense":
            y = ins[0] @ w(name, "kernel") + w(name, "bias")
            if name != last:
                assert c["activation"] == "linear"
        else:
            raise ValueError("layer %s: class %s" % (name, cls))
        out[name] = y
    return out[last]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-data", default=os.path.join("..", "shared", "data"))
    ap.add_argument("-recompute-norm", action="store_true")
    a = ap.parse_args()
    if a.recompute_norm or not os.path.exists(NORM):
        write_norm(NORM, *pixel_stats(os.path.join(a.data, "cifar10-jpeg", "train")))
    mean, std = read_norm(NORM)
    specs, pixels = goldenlib.inputs(a.data)
    x = (pixels.reshape(len(pixels), -1).astype(np.float64) - mean.astype(np.float64)) / std.astype(np.float64)
    x = torch.from_numpy(x.reshape(-1, 3, 32, 32))
    for m in MODELS:
        rel = "models/simple-cache/" + m
        with torch.no_grad():
            logits = run(os.path.join(a.data, rel), x).numpy()
        ref = "torch %s (float64) interpreting model_config; weights via h5py %s; norm %s" % (
            torch.__version__, h5py.version.version, os.path.basename(NORM))
        out = os.path.join(OUT, "golden_" + m.split("_model")[0] + ".json")
        goldenlib.write(out, rel, ref, specs, logits)
        print(out, logits.shape, file=sys.stderr)


if __name__ == "__main__":
    main()
