#!/usr/bin/env bash
# Instructions per training step against budgets, a deterministic regression guard for the
# tiers the benchmark machine does not time: x86_64 under callgrind (scalar, SSE2, AVX2+FMA)
# and aarch64 under qemu-aarch64 with the instruction-count plugin (scalar, NEON), at the four
# benchmark sizes. Budgets: scripts/step-icount-budgets.tsv (measured + 5 %). About 4 minutes,
# most of it building std for aarch64 in release (scripts/step-icount-aarch64.sh sets that up).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends valgrind >/dev/null; }
x86=$(scripts/step-icount.sh target/icount-ci)
a64=$(scripts/step-icount-aarch64.sh)
status=0
python3 scripts/step-icount-check.py x86_64 <<<"$x86" || status=1
python3 scripts/step-icount-check.py aarch64 <<<"$a64" || status=1
exit $status
