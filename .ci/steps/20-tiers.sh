#!/usr/bin/env bash
# Kernel tiers: proves that every x86 tier the CPU advertises is detected and really taken
# when forced (tests/forced_tier.rs with STACKNET_ENSURE_TIER built from /proc/cpuinfo), so a
# broken detection cannot silently turn tests/tiers.rs into scalar-vs-scalar. The tier tests
# themselves (every tier vs scalar, strided sigmoid sweep) already ran in `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
want=""
if [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ]; then
  flags=$(grep -m1 '^flags' /proc/cpuinfo)
  has() { grep -qw "$1" <<<"$flags"; }
  has sse2 && want="sse2"
  has avx2 && has fma && want="$want,avx2fma"
  has avx512f && want="$want,avx512"
fi
echo "STACKNET_ENSURE_TIER=$want"
STACKNET_ENSURE_TIER="$want" cargo test --test forced_tier
