#!/usr/bin/env python3
"""Reference accuracies on the digits split of `examples/classify`, from scikit-learn.

Same file, same split (the last 25% of the rows, ceil(1797 * 0.25) = 450, are the test set),
same scaling (each feature standardised with the training rows' mean and standard deviation;
constant features only centred). Prints one line per model: held-out test accuracy.

    python3 -m pip install --user scikit-learn   # once
    python3 scripts/digits-reference.py
"""
import math
import pathlib

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

data = np.loadtxt(pathlib.Path(__file__).resolve().parent.parent / "data/digits/digits.csv", delimiter=",")
x, y = data[:, :-1], data[:, -1].astype(int)
test = math.ceil(len(x) * 0.25)
cut = len(x) - test
mean, std = x[:cut].mean(axis=0), x[:cut].std(axis=0)
std[std <= 1e-6] = 1.0
x = (x - mean) / std
xtr, ytr, xte, yte = x[:cut], y[:cut], x[cut:], y[cut:]

models = {
    "logistic regression (lbfgs, C=1)": LogisticRegression(max_iter=5000),
    "MLPClassifier 64-32-10 tanh, adam (sklearn defaults), seeds 0-4": [
        MLPClassifier(hidden_layer_sizes=(32,), activation="tanh", max_iter=2000, random_state=s) for s in range(5)
    ],
    "MLPClassifier 64-32-10 tanh, sgd momentum 0.9, lr 0.05, batch 32, alpha 1e-3, 30 epochs, seeds 0-4": [
        MLPClassifier(hidden_layer_sizes=(32,), activation="tanh", solver="sgd", momentum=0.9, nesterovs_momentum=False,
                      learning_rate_init=0.05, batch_size=32, alpha=1e-3, max_iter=30, random_state=s)
        for s in range(5)
    ],
    "SVC (rbf, C=1, gamma='scale')": SVC(),
}
print(f"digits: {cut} train rows, {test} test rows, scikit-learn reference")
import sklearn
import warnings
warnings.filterwarnings("ignore")  # max_iter=30 is deliberate for the SGD run
for name, m in models.items():
    runs = m if isinstance(m, list) else [m]
    accs = [r.fit(xtr, ytr).score(xte, yte) for r in runs]
    if len(accs) == 1:
        print(f"{name}: test accuracy {accs[0]:.4f}")
    else:
        print(f"{name}: test accuracy mean {np.mean(accs):.4f} (min {min(accs):.4f}, max {max(accs):.4f})")
print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
