#!/usr/bin/env bash
# Runs the Adam step benchmark (criterion: stacknet's step with SGD and with Adam, best tier)
# and numpy's Adam step, then prints one table: median time per step, Adam ÷ SGD for
# stacknet, and numpy's Adam ÷ stacknet's Adam ("> 1": stacknet is faster).
# Usage: scripts/bench-adam-step.sh [criterion args...]   (default: --measurement-time 3)
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
((${#args[@]})) || args=(--warm-up-time 1 --measurement-time 3)
cargo bench -p stacknet-tools --bench adam_step -- "${args[@]}" >&2
numpy_out=$(python3 tools/benches/numpy_step.py --adam)
echo "$numpy_out" >&2
NUMPY="$numpy_out" python3 - <<'PY'
import json, os
root = "target/criterion/adam_step"
t = {}
for line in os.environ["NUMPY"].splitlines():
    parts = line.split()
    if len(parts) == 5 and parts[0] == "numpy-adam":
        t[("numpy-adam", parts[1])] = float(parts[2])
print("| batch × hidden | stacknet SGD | stacknet Adam | Adam ÷ SGD | numpy Adam | numpy ÷ stacknet |")
print("|---|---:|---:|---:|---:|---:|")
for cfg in ["4x3", "50x10", "300x50", "256x256"]:
    for impl in ["stacknet-sgd", "stacknet-adam"]:
        t[(impl, cfg)] = json.load(open(f"{root}/{impl}/{cfg}/new/estimates.json"))["median"]["point_estimate"]
    sgd, adam = t[("stacknet-sgd", cfg)], t[("stacknet-adam", cfg)]
    us = lambda ns: f"{ns / 1000:.3f} µs" if ns < 10_000 else f"{ns / 1000:.1f} µs"  # noqa: E731
    numpy = t.get(("numpy-adam", cfg))
    np_cells = f"{us(numpy)} | {numpy / adam:.1f}" if numpy else "– | –"
    print(f"| {cfg.replace('x', ' × ')} | {us(sgd)} | {us(adam)} | {adam / sgd:.2f} | {np_cells} |")
PY
