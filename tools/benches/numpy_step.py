#!/usr/bin/env python3
"""The same training step as benches/train_step.rs (2-H-2 with biases, sigmoid, MSE + ridge, SGD) in numpy
float32, timed with timeit. Prints one line per configuration: `numpy <B>x<H> <median_ns> <min_ns> <max_ns>`.
With `--adam`, the step of benches/adam_step.rs: the same gradient, then Adam (β₁ 0.9, β₂ 0.999, ε 1e-8, bias
correction) instead of SGD; the lines start with `numpy-adam`. Exits 0 with a message where numpy is absent."""
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


class Adam:
    """Adam's state for the four parameter arrays, updated as in stacknet::optim::Adam."""

    def __init__(self, p, lr=np.float32(1e-4), b1=np.float32(0.9), b2=np.float32(0.999), eps=np.float32(1e-8)):
        self.m = [np.zeros_like(a) for a in p]
        self.v = [np.zeros_like(a) for a in p]
        self.t = 0
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps

    def update(self, p, g):
        self.t += 1
        c1 = np.float32(1.0 / (1.0 - float(self.b1) ** self.t))
        c2 = np.float32(1.0 / (1.0 - float(self.b2) ** self.t))
        for a, ga, m, v in zip(p, g, self.m, self.v):
            m *= self.b1
            m += (np.float32(1) - self.b1) * ga
            v *= self.b2
            v += (np.float32(1) - self.b2) * ga * ga
            a -= self.lr * (m * c1) / (np.sqrt(v * c2) + self.eps)


def step_adam(x, y, p, opt):
    w1, b1, w2, b2 = p
    inv_b = np.float32(1.0 / x.shape[0])
    h1 = sigmoid(x @ w1 + b1)
    h2 = sigmoid(h1 @ w2 + b2)
    d = h2 - y
    loss = (d * d).sum() * np.float32(0.5) * inv_b + LAM * ((w1 * w1).sum() + (w2 * w2).sum()) * np.float32(0.5) * inv_b
    g2 = d * h2 * (np.float32(1) - h2) * inv_b
    g1 = (g2 @ w2.T) * h1 * (np.float32(1) - h1)
    grads = [x.T @ g1 + LAM * inv_b * w1, g1.sum(axis=0), h1.T @ g2 + LAM * inv_b * w2, g2.sum(axis=0)]
    opt.update(p, grads)
    return loss


def main():
    adam = "--adam" in sys.argv[1:]
    configs = [(4, 3), (50, 10), (300, 50), (256, 256)]
    for b, h in configs:
        x, y, p = make(b, h)
        if adam:
            opt = Adam(p)
            run = lambda: step_adam(x, y, p, opt)  # noqa: E731
        else:
            run = lambda: step(x, y, p)  # noqa: E731
        run()
        t = timeit.Timer(run)
        n, _ = t.autorange()
        runs = [t.timeit(n) / n * 1e9 for _ in range(15)]
        runs.sort()
        name = "numpy-adam" if adam else "numpy"
        print(f"{name} {b}x{h} {runs[len(runs) // 2]:.0f} {runs[0]:.0f} {runs[-1]:.0f}")


if __name__ == "__main__":
    main()
