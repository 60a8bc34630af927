"""Shared helpers for the golden-file scripts: the same inputs as
model/modeltest/golden.go, made bit for bit, and the JSON layout it reads."""
import json
import os

import numpy as np
from PIL import Image

MASK = 0xFFFFFFFF
SEEDS = [1, 2, 3, 4]


def random_input(seed):
    """3x32x32 float32 pixels from the lowbias32 hash (see RandomInput in Go)."""
    i = np.arange(3 * 32 * 32, dtype=np.uint64)
    x = (np.uint64(seed) * np.uint64(0x9E3779B9) + i * np.uint64(0x85EBCA6B) + np.uint64(0x27220A95)) & np.uint64(MASK)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7FEB352D)) & np.uint64(MASK)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846CA68B)) & np.uint64(MASK)
    x ^= x >> np.uint64(16)
    return ((x >> np.uint64(8)).astype(np.float64) / float(1 << 24)).astype(np.float32).reshape(3, 32, 32)


def sample_names(data):
    names = sorted(n for n in os.listdir(os.path.join(data, "samples")) if n.endswith(".png"))
    return [n for n in names if n.startswith("cifar10_")] + [n for n in names if n.startswith("cifar100_")]


def sample_input(data, name):
    img = np.asarray(Image.open(os.path.join(data, "samples", name)).convert("RGB"), dtype=np.float32)
    return (img / np.float32(255)).transpose(2, 0, 1).copy()


def inputs(data):
    """The golden inputs: the 40 sample PNGs, then the seeded random ones."""
    names = sample_names(data)
    specs = [{"sample": n} for n in names] + [{"seed": s} for s in SEEDS]
    arrays = [sample_input(data, n) for n in names] + [random_input(s) for s in SEEDS]
    return specs, np.stack(arrays)


def write(path, model, reference, specs, logits):
    with open(path, "w") as f:
        json.dump({"model": model, "reference": reference, "inputs": specs,
                   "logits": [[float(v) for v in row] for row in logits]}, f)
        f.write("\n")
