#!/usr/bin/env python3
"""Draws docs/benchmarks.png from a run of tools/benches/kernels.rs (target/criterion), using the same
fastest-sample figures as scripts/bench-table.py. Needs matplotlib (`pip install matplotlib`).

Usage: scripts/bench-plot.py CLOCK_GHZ FLOP_PER_CYCLE [CRITERION_DIR] [OUT_PNG]
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ghz, fpc = float(sys.argv[1]), float(sys.argv[2])
root = sys.argv[3] if len(sys.argv) > 3 else "target/criterion"
out = sys.argv[4] if len(sys.argv) > 4 else "docs/benchmarks.png"


def fastest(group, fn, param):
    p = os.path.join(root, group, fn, str(param), "new", "sample.json")
    if not os.path.exists(p):
        return None
    s = json.load(open(p))
    return min(t / i for t, i in zip(s["times"], s["iters"]))


fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5))
ns = [4, 8, 16, 32, 64, 128, 256]
for name, style in [("scalar", "k:"), ("sse2", "c-"), ("avx2fma", "b-"), ("avx512", "r-"),
                    ("matrixmultiply", "g--"), ("nalgebra", "m--")]:
    pts = [(n, 2 * n ** 3 / fastest("matmul", name, n)) for n in ns if fastest("matmul", name, n)]
    ax1.plot([p[0] for p in pts], [p[1] for p in pts], style, marker="o", label=name)
ax1.axhline(fpc * ghz, color="grey", lw=0.8)
ax1.text(4, fpc * ghz * 1.03, f"measured peak {fpc:.0f} FLOP/cycle × {ghz:.2f} GHz", fontsize=8)
ax1.set_xscale("log", base=2)
ax1.set_xlabel("n (n×n · n×n)")
ax1.set_ylabel("GFLOP/s (fastest sample)")
ax1.set_title("matmul")
ax1.legend(fontsize=8, loc="lower right")

sizes = [16, 64, 256, 1024, 4096, 16384, 65536]
for name, style in [("scalar", "k:"), ("libm_expf_loop", "g--"), ("sse2", "c-"), ("avx2fma", "b-"),
                    ("avx512", "r-")]:
    pts = [(n, fastest("sigmoid", name, n) / n) for n in sizes if fastest("sigmoid", name, n)]
    ax2.plot([p[0] for p in pts], [p[1] for p in pts], style, marker="o", label=name)
ax2.axhline(0.25, color="grey", lw=0.8)
ax2.text(16, 0.27, "target 0.25 ns/element", fontsize=8)
ax2.set_xscale("log", base=2)
ax2.set_yscale("log")
ax2.set_xlabel("elements")
ax2.set_ylabel("ns per element (fastest sample)")
ax2.set_title("sigmoid")
ax2.legend(fontsize=8, loc="center right")
fig.suptitle("stacknet kernels vs peers, AMD EPYC (Zen 4), one criterion run, target-cpu=native")
fig.tight_layout()
fig.savefig(out, dpi=90)
print(out)
