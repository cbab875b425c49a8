#!/usr/bin/env bash
# Instructions per training step (x86_64, valgrind --tool=callgrind), for the scalar tier, SSE2 and
# the best tier valgrind's CPU offers, at the four benchmark configurations. Each figure is
# (Ir(N steps) − Ir(0 steps)) / N, from `tools/src/bin/step_icount.rs` built in release.
# Usage: scripts/step-icount.sh [out-dir]   (callgrind files kept in out-dir, default target/icount)
# Per-function profile of one run: callgrind_annotate OUT_DIR/<tier>-<config>-<N>.out
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/icount}
mkdir -p "$out"
cargo build --release -p stacknet-tools --no-default-features --bin step_icount >&2
bin=target/release/step_icount
declare -A steps=([4x3]=20000 [50x10]=5000 [300x50]=500 [256x256]=100)
total() { # tier config n -> Ir total
    local f="$out/$1-$2-$3.out"
    valgrind --tool=callgrind --callgrind-out-file="$f" "$bin" "$1" "$2" "$3" >"$out/$1-$2-$3.txt" 2>"$out/$1-$2-$3.log"
    grep -E '^(summary|totals):' "$f" | head -1 | awk '{print $2}'
}
echo "| tier (under valgrind) | config | steps N | Ir(N) − Ir(0) | instructions / step |"
echo "|---|---|---:|---:|---:|"
for tier in scalar sse2 best; do
    for cfg in 4x3 50x10 300x50 256x256; do
        n=${steps[$cfg]}
        base=$(total "$tier" "$cfg" 0)
        full=$(total "$tier" "$cfg" "$n")
        name=$(awk '{print $1}' "$out/$tier-$cfg-$n.txt")
        echo "| $name | $cfg | $n | $((full - base)) | $(( (full - base + n / 2) / n )) |"
    done
done
