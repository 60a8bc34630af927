#!/usr/bin/python3
"""Writes the small HDF5 files the model/hdf5 tests read, and expect.json with
what h5py reads back from them, so the Go reader is checked against the
reference library rather than against itself.

Run from this folder with Debian's python (h5py 3.7 on HDF5 1.10):
    /usr/bin/python3 make_testdata.py
The data is random but seeded, so the files only change when this script does.
"""
import json

import h5py
import numpy as np

rng = np.random.default_rng(20181203)
vlen = h5py.string_dtype("utf-8")


def fill(f, new_style):
    """Datasets and attributes every file gets, in the layouts under test."""
    f.attrs["backend"] = "tensorflow"  # variable-length string, as Keras writes it
    f.attrs["keras_version"] = np.bytes_("2.1.1")  # fixed-length, null-padded
    f.attrs["numbers"] = rng.standard_normal(5).astype("<f8")
    f.attrs["answer"] = np.int32(42)
    f.attrs["layer_names"] = np.array([b"input_1", b"conv2d_1", b"batch_normalization_1", b"dense_1"])
    f.attrs["vlen_list"] = np.array(["alpha", "beta", "\u03b3amma"], dtype=vlen)
    w = f.create_group("model_weights")
    w.attrs["layer_names"] = np.array([b"conv2d_1", b"dense_1"])
    c = w.create_group("conv2d_1").create_group("conv2d_1")
    c.create_dataset("kernel:0", data=rng.standard_normal((3, 3, 3, 4)).astype("<f4"))
    c.create_dataset("bias:0", data=rng.standard_normal(4).astype(">f4"))  # big-endian
    d = w.create_group("dense_1")
    d.attrs["weight_names"] = np.array([b"dense_1/kernel:0", b"dense_1/bias:0"])
    d = d.create_group("dense_1")
    d.create_dataset("kernel:0", data=rng.standard_normal((37, 23)).astype("<f4"),
                     chunks=(8, 5), compression="gzip", compression_opts=6, shuffle=True)
    d.create_dataset("bias:0", data=rng.standard_normal(23).astype(">f8"), chunks=(7,), compression="gzip")
    # Kept apart from the root so that no group of the new-style file has
    # more than 8 links, past which libhdf5 moves them to dense storage.
    f = f.create_group("data")
    f.create_dataset("half", data=rng.standard_normal((4, 5)).astype("<f2"))
    f.create_dataset("double_be", data=rng.standard_normal((2, 3, 4)).astype(">f8"))
    f.create_dataset("ints", data=rng.integers(-30000, 30000, (6,)).astype(">i2"))
    f.create_dataset("scalar", data=np.float32(3.25))
    f.create_dataset("compact", data=rng.standard_normal(6).astype("<f4"),
                     dcpl=compact_plist((6,)))
    f.create_dataset("shuffle_only", data=rng.standard_normal(50).astype("<f4"), chunks=(16,), shuffle=True)
    f.create_dataset("vlen_strings", data=np.array(["one", "two", "three"], dtype=vlen))
    f.create_dataset("fixed_strings", data=np.array([b"ab", b"cde"], dtype="S4"))
    if not new_style:
        # More members than one symbol table node holds (2K = 8), so the group
        # B-tree has several leaves.
        many = f.create_group("many")
        for i in range(40):
            many.create_dataset("d%02d" % i, data=np.array([i], dtype="<f4"))


def compact_plist(shape):
    p = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    p.set_layout(h5py.h5d.COMPACT)
    return p


def dump(path):
    """What h5py reads from a file: every dataset and attribute, by path."""
    out = {}

    def value(v):
        v = np.asarray(v)
        if v.dtype.kind in "SOU":
            return {"shape": list(v.shape), "strings": [s.decode() if isinstance(s, bytes) else s for s in v.reshape(-1)]}
        return {"shape": list(v.shape), "values": [float(x) for x in v.reshape(-1).astype("f8")]}

    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for k, a in obj.attrs.items():
                out["/" + name + "@" + k] = value(a)
            if isinstance(obj, h5py.Dataset):
                out["/" + name] = value(obj[()])
        for k, a in f.attrs.items():
            out["/@" + k] = value(a)
        f.visititems(visit)
    return out


def main():
    expect = {}
    with h5py.File("v0.h5", "w", libver="earliest") as f:
        fill(f, new_style=False)
    with h5py.File("v2.h5", "w", libver=("v108", "v108")) as f:
        fill(f, new_style=True)
    for name in ("v0.h5", "v2.h5"):
        expect[name] = dump(name)
    # Outside the subset, to check the errors: a v3 superblock whose chunked
    # dataset uses a fixed-array chunk index, and a group whose links moved to
    # dense storage (fractal heap) because it has more than 8.
    with h5py.File("v3.h5", "w", libver=("v110", "v110")) as f:
        f.create_dataset("contiguous", data=np.arange(6, dtype="<f4"))
        f.create_dataset("chunked", data=np.arange(64, dtype="<f4").reshape(8, 8), chunks=(4, 4))
        # Layout message version 4 with the two indexes this reader supports:
        # one chunk covering the dataset (filtered or not), and the implicit
        # index of unfiltered chunks allocated early.
        f.create_dataset("single", data=rng.standard_normal((5, 3)).astype("<f4"), chunks=(5, 3), compression="gzip", shuffle=True)
        f.create_dataset("single_plain", data=rng.standard_normal(7).astype(">f8"), chunks=(7,))
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((2, 3))
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        space = h5py.h5s.create_simple((5, 7))
        h5py.h5d.create(f.id, b"implicit", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
        f["implicit"][...] = rng.standard_normal((5, 7)).astype("<f4")
    with h5py.File("dense_links.h5", "w", libver=("v108", "v108")) as f:
        g = f.create_group("dense")
        for i in range(20):
            g.create_dataset("d%02d" % i, data=np.array([i], dtype="<f4"))
        for i in range(20):
            f.attrs["a%02d" % i] = np.int32(i)
    expect["v3.h5"] = dump("v3.h5")
    with open("expect.json", "w") as f:
        json.dump(expect, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
