#!/usr/bin/env bash
# Instructions per training step on aarch64 (NEON tier and scalar tier), counted by QEMU
# user-mode with the instruction-count plugin (scripts/qemu-plugin): the aarch64 counterpart
# of scripts/step-icount.sh (callgrind on x86_64). Each figure is (count(N) − count(0)) / N
# for `step_icount` (tools/src/bin), built in release for aarch64-unknown-linux-gnu with Debian's
# rustc (-Zbuild-std, see scripts/setup-cross.sh). Deterministic: a change shows as a number.
# QEMU counts guest instructions, not time; see BENCHMARKS.md for what that does and does not say.
# Usage: scripts/step-icount-aarch64.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-cross.sh >&2
scripts/xcargo build -Zbuild-std --target aarch64-unknown-linux-gnu --release \
    -p stacknet-tools --no-default-features --bin step_icount >&2
bin=target/aarch64-unknown-linux-gnu/release/step_icount
plugin=target/qemu-plugin/libinsncount.so
declare -A steps=([4x3]=2000 [50x10]=500 [300x50]=20 [256x256]=5)
count() { # tier config n -> guest instructions of the whole run
    qemu-aarch64 -L /usr/aarch64-linux-gnu -plugin "$plugin" -d plugin "$bin" "$1" "$2" "$3" 2>&1 >/dev/null |
        sed -n 's/^insncount: total=\([0-9]*\).*/\1/p'
}
echo "| tier (qemu-aarch64) | config | steps N | count(N) − count(0) | instructions / step |"
echo "|---|---|---:|---:|---:|"
for tier in scalar neon; do
    for cfg in 4x3 50x10 300x50 256x256; do
        n=${steps[$cfg]}
        base=$(count "$tier" "$cfg" 0)
        full=$(count "$tier" "$cfg" "$n")
        echo "| $tier | $cfg | $n | $((full - base)) | $(( (full - base + n / 2) / n )) |"
    done
done
