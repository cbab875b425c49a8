#!/usr/bin/env python3
"""The same training step as benches/train_step.rs (2-H-2 with biases, sigmoid, MSE + ridge, SGD) in numpy
float32, timed with timeit. Prints one line per configuration: `numpy <B>x<H> <median_ns> <min_ns> <max_ns>`.
Exits 0 with a message where numpy is absent."""
import sys
import timeit

try:
    import numpy as np
except ImportError:
    print("numpy is not installed: skipping the numpy peer (pip install numpy)")
    sys.exit(0)

LR = np.float32(0.1)
LAM = np.float32(1e-4)


def sigmoid(z):
    return np.float32(1.0) / (np.float32(1.0) + np.exp(-z))


def make(b, h, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((b, 2)).astype(np.float32)
    label = np.logical_xor(x[:, 0] > 0, x[:, 1] > 0).astype(np.float32)
    y = np.stack([1 - label, label], axis=1).astype(np.float32)
    w1 = ((2 * rng.random((2, h)) - 1) / np.sqrt(2)).astype(np.float32)
    b1 = ((2 * rng.random(h) - 1) / np.sqrt(2)).astype(np.float32)
    w2 = ((2 * rng.random((h, 2)) - 1) / np.sqrt(h)).astype(np.float32)
    b2 = ((2 * rng.random(2) - 1) / np.sqrt(h)).astype(np.float32)
    return x, y, [w1, b1, w2, b2]


def step(x, y, p):
    w1, b1, w2, b2 = p
    inv_b = np.float32(1.0 / x.shape[0])
    h1 = sigmoid(x @ w1 + b1)
    h2 = sigmoid(h1 @ w2 + b2)
    d = h2 - y
    loss = (d * d).sum() * np.float32(0.5) * inv_b + LAM * ((w1 * w1).sum() + (w2 * w2).sum()) * np.float32(0.5) * inv_b
    g2 = d * h2 * (np.float32(1) - h2) * inv_b
    g1 = (g2 @ w2.T) * h1 * (np.float32(1) - h1)
    w2 -= LR * (h1.T @ g2 + LAM * inv_b * w2)
    b2 -= LR * g2.sum(axis=0)
    w1 -= LR * (x.T @ g1 + LAM * inv_b * w1)
    b1 -= LR * g1.sum(axis=0)
    return loss


def main():
    configs = [(4, 3), (50, 10), (300, 50), (256, 256)]
    for b, h in configs:
        x, y, p = make(b, h)
        step(x, y, p)
        t = timeit.Timer(lambda: step(x, y, p))
        n, _ = t.autorange()
        runs = [t.timeit(n) / n * 1e9 for _ in range(15)]
        runs.sort()
        print(f"numpy {b}x{h} {runs[len(runs) // 2]:.0f} {runs[0]:.0f} {runs[-1]:.0f}")


if __name__ == "__main__":
    main()
