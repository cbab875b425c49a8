#!/usr/bin/env bash
# The x86 run-time detection and the SSE2 fallback on a CPU without AVX: the tier tests and
# the forced-tier test run under `qemu-x86_64 -cpu Nehalem` (SSE2..SSE4.2, no AVX), which must
# detect SSE2, must NOT detect AVX2+FMA or AVX-512, refuse to force them, and pass every
# SSE2-vs-scalar check. (QEMU has no AVX-512, so that tier is tested natively only.)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-cross.sh
STACKNET_ENSURE_TIER=sse2 STACKNET_ENSURE_NO_TIER=avx2fma,avx512 \
  CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="qemu-x86_64 -cpu Nehalem" \
  cargo test --test forced_tier --test tiers
