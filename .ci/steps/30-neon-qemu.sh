#!/usr/bin/env bash
# The NEON tier on aarch64 Linux under QEMU user-mode: Debian's rustc builds std for the
# target (-Zbuild-std), aarch64-linux-gnu-gcc links, qemu-aarch64 runs (.cargo/config.toml).
# tests/tiers.rs checks NEON against the scalar oracle, tests/fusion.rs fused vs unfused
# training steps, tests/quant.rs the int8 kernels (both NEON bodies: QEMU's CPU has
# `dotprod`, so `sdot` must be found) and the digits int8 hash; tests/forced_tier.rs proves NEON is
# detected (compile-time) and really taken. About 6 minutes, mostly building std.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-cross.sh
STACKNET_ENSURE_TIER=neon STACKNET_ENSURE_INT8_BODY=sdot scripts/xcargo test -Zbuild-std --target aarch64-unknown-linux-gnu \
  --test tiers --test forced_tier --test fusion --test quant
