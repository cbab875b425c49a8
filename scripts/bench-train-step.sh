#!/usr/bin/env bash
# Runs the whole-step benchmark (criterion: stacknet + hand-written loops + nalgebra) and the
# numpy peer, then prints one table: median time per step and each peer's time divided by
# stacknet's (best tier), so "> 1" means stacknet is faster. Also prints the spread (first and
# third quartile of criterion's samples, min/max of numpy's 15 runs) and writes
# target/train_step_times.tsv (`impl config median_ns`) for `tools/src/bin/step_plot.rs`.
# Usage: scripts/bench-train-step.sh [criterion args...]   (default: --measurement-time 3)
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
((${#args[@]})) || args=(--warm-up-time 1 --measurement-time 3)
cargo bench -p stacknet-tools --bench train_step -- "${args[@]}" >&2
numpy_out=$(python3 tools/benches/numpy_step.py)
echo "$numpy_out" >&2
NUMPY="$numpy_out" python3 - <<'PY'
import json, os, glob
root = "target/criterion/train_step"
configs = ["4x3", "50x10", "300x50", "256x256"]
t = {}
spread = {}
for est in glob.glob(f"{root}/*/*/new/estimates.json"):
    impl, cfg = est.split("/")[-4:-2]
    t[(impl, cfg)] = json.load(open(est))["median"]["point_estimate"]
    s = json.load(open(est.replace("estimates.json", "sample.json")))
    per = sorted(x / n for x, n in zip(s["times"], s["iters"]))
    spread[(impl, cfg)] = (per[len(per) // 4], per[3 * len(per) // 4], "IQR")
for line in os.environ["NUMPY"].splitlines():
    parts = line.split()
    if len(parts) == 5 and parts[0] == "numpy":
        t[("numpy", parts[1])] = float(parts[2])
        spread[("numpy", parts[1])] = (float(parts[3]), float(parts[4]), "min–max")
impls = sorted({i for i, _ in t})
best = [i for i in impls if i.startswith("stacknet-") and i != "stacknet-scalar"]
ref = best[0] if best else "stacknet-scalar"
def fmt(ns):
    return f"{ns/1000:.3f} µs" if ns < 1e6 else f"{ns/1e6:.3f} ms"
print(f"\nmedian time per step (batch x hidden); ratio = peer / {ref}")
print("| impl | " + " | ".join(configs) + " |")
print("|---|" + "---|" * len(configs))
for i in impls:
    cells = []
    for c in configs:
        if (i, c) not in t:
            cells.append("—")
            continue
        r = t[(i, c)] / t[(ref, c)] if (ref, c) in t else float("nan")
        cells.append(f"{fmt(t[(i, c)])} ({r:.2f}×)")
    print(f"| {i} | " + " | ".join(cells) + " |")
print("\nspread per step (criterion: 1st–3rd quartile of its samples; numpy: min–max of 15 runs)")
print("| impl | " + " | ".join(configs) + " |")
print("|---|" + "---|" * len(configs))
for i in impls:
    cells = [f"{fmt(spread[(i, c)][0])} – {fmt(spread[(i, c)][1])}" if (i, c) in spread else "—" for c in configs]
    print(f"| {i} | " + " | ".join(cells) + " |")
with open("target/train_step_times.tsv", "w") as f:
    for (i, c), ns in sorted(t.items()):
        f.write(f"{i}\t{c}\t{ns:.1f}\n")
PY
