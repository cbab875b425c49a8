#!/usr/bin/env python3
"""Turns criterion's results (target/criterion) of tools/benches/kernels.rs into the BENCHMARKS.md tables.

Usage: scripts/bench-table.py CLOCK_GHZ FLOP_PER_CYCLE_MEASURED [CRITERION_DIR]
Each cell is the fastest of criterion's samples (time / iterations of a sample in
`new/sample.json`): on a shared, busy machine the median includes time spent descheduled, the
fastest sample (a few ms of back-to-back iterations) mostly does not. `--median` uses criterion's
median estimate instead.
"""
import json
import os
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
ghz = float(args[0])
fpc = float(args[1])
root = args[2] if len(args) > 2 else "target/criterion"


USE_MEDIAN = "--median" in sys.argv


def med(group, fn, param):
    d = os.path.join(root, group, fn, str(param), "new")
    if not os.path.exists(d):
        return None
    if USE_MEDIAN:
        return json.load(open(os.path.join(d, "estimates.json")))["median"]["point_estimate"]  # ns
    s = json.load(open(os.path.join(d, "sample.json")))
    return min(t / i for t, i in zip(s["times"], s["iters"]))  # ns


TIERS = ["scalar", "sse2", "avx2fma", "avx512"]
peak_meas = fpc * ghz  # GFLOP/s
peak_nom = 64 * ghz

print(f"Clock {ghz:.3f} GHz; measured AVX-512 FMA peak {fpc:.1f} FLOP/cycle = {peak_meas:.1f} GFLOP/s; "
      f"nominal 64 FLOP/cycle = {peak_nom:.1f} GFLOP/s\n")

print("### matmul n×n·n×n, GFLOP/s \n")
cols = TIERS + ["matrixmultiply", "nalgebra"]
print("| n | " + " | ".join(cols) + " | avx512 ÷ matrixmultiply | avx512 ÷ nalgebra | avx512 % of measured peak | % of 64 FLOP/cycle |")
print("|---" * (len(cols) + 5) + "|")
for n in [4, 8, 16, 32, 64, 128, 256]:
    flop = 2 * n ** 3
    g = {c: (flop / med("matmul", c, n) if med("matmul", c, n) else None) for c in cols}
    f = lambda v: f"{v:.2f}" if v else "–"
    r_mm = g["avx512"] / g["matrixmultiply"] if g["avx512"] and g["matrixmultiply"] else None
    r_na = g["avx512"] / g["nalgebra"] if g["avx512"] and g["nalgebra"] else None
    print(f"| {n} | " + " | ".join(f(g[c]) for c in cols)
          + f" | {f(r_mm)}× | {(f(r_na) + '×') if r_na else '–'} | {100 * g['avx512'] / peak_meas:.0f}% | {100 * g['avx512'] / peak_nom:.0f}% |")

print("\n### matmul n×n·n×n, ns per call \n")
print("| n | " + " | ".join(cols) + " |")
print("|---" * (len(cols) + 1) + "|")
for n in [4, 8, 16, 32, 64, 128, 256]:
    print(f"| {n} | " + " | ".join((f"{med('matmul', c, n):.0f}" if med("matmul", c, n) else "–") for c in cols) + " |")

print("\n### The article network's products (B = 300, 2 → 50 → 2): ns per call (GFLOP/s)\n")
shapes = [("fwd1_300x2.2x50", 300, 2, 50), ("fwd2_300x50.50x2", 300, 50, 2), ("dW1_300x2T.300x50", 2, 300, 50),
          ("dW2_300x50T.300x2", 50, 300, 2), ("dx2_300x2.50x2T", 300, 2, 50)]
cols = TIERS + ["matrixmultiply"]
print("| product | " + " | ".join(cols) + " | avx512 ÷ matrixmultiply |")
print("|---" * (len(cols) + 2) + "|")
for name, m, k, n in shapes:
    flop = 2 * m * k * n
    t = {c: med("network", c, name) for c in cols}
    cell = lambda v: f"{v:.0f} ({flop / v:.1f})" if v else "–"
    r = t["matrixmultiply"] / t["avx512"] if t["avx512"] and t["matrixmultiply"] else None
    print(f"| `{name}` | " + " | ".join(cell(t[c]) for c in cols) + (f" | {r:.2f}× |" if r else " | – |"))

print("\n### sigmoid, ns per element \n")
cols = TIERS + ["libm_expf_loop"]
print("| elements | " + " | ".join(cols) + " | avx512 speed-up vs libm loop |")
print("|---" * (len(cols) + 2) + "|")
for n in [16, 64, 256, 1024, 4096, 16384, 65536]:
    t = {c: (med("sigmoid", c, n) / n if med("sigmoid", c, n) else None) for c in cols}
    r = t["libm_expf_loop"] / t["avx512"] if t["avx512"] and t["libm_expf_loop"] else None
    print(f"| {n} | " + " | ".join((f"{t[c]:.3f}" if t[c] else "–") for c in cols) + (f" | {r:.1f}× |" if r else " | – |"))

print("\n### Fusion (Dense + Sigmoid kernels), ns per call : fused / unfused\n")
print("| shape | pass | " + " | ".join(TIERS) + " |")
print("|---" * (len(TIERS) + 2) + "|")
for shape in ["300x2.2x50", "300x50.50x2"]:
    for pas in ["fwd", "bwd"]:
        cells = []
        for t in TIERS:
            a, b = med("fusion", f"{pas}_fused_{t}", shape), med("fusion", f"{pas}_unfused_{t}", shape)
            cells.append(f"{a:.0f} / {b:.0f} ({b / a:.2f}×)" if a and b else "–")
        print(f"| {shape} | {pas} | " + " | ".join(cells) + " |")
