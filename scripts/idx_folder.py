"""The four IDX files of an MNIST-style folder (.gz allowed), as numpy arrays: what the Python
scripts that mnist-softmax is measured against read (sklearn-logistic.py, numpy-softmax.py).
Inputs are pixels / 255, as mnist-softmax scales them.
"""
import gzip
import os
import sys

import numpy as np


def read_idx(folder, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            dims = data[3]
            shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
            return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)
    sys.exit(f"{folder}: no {stem}")


def read_folder(folder, dtype=np.float64):
    """(x_train, y_train, x_test, y_test): images as rows of pixels / 255 in `dtype`."""
    x_train = read_idx(folder, "train-images-idx3-ubyte")
    x_test = read_idx(folder, "t10k-images-idx3-ubyte")
    return (
        (x_train.reshape(len(x_train), -1) / dtype(255)).astype(dtype),
        read_idx(folder, "train-labels-idx1-ubyte"),
        (x_test.reshape(len(x_test), -1) / dtype(255)).astype(dtype),
        read_idx(folder, "t10k-labels-idx1-ubyte"),
    )
