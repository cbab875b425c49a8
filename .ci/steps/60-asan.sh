#!/usr/bin/env bash
# The test suite under AddressSanitizer (nightly). Its own target dir, so the instrumented
# build never mixes with the normal one; `--target` keeps build scripts and proc macros
# uninstrumented.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi

# opt-level 1 keeps debug assertions and overflow checks but runs the slow convergence
# tests several times faster than an unoptimised ASan build.
RUSTFLAGS="-Zsanitizer=address" ASAN_OPTIONS="detect_leaks=1" CARGO_PROFILE_DEV_OPT_LEVEL=1 \
  cargo +nightly test --target x86_64-unknown-linux-gnu --target-dir target/asan --lib --tests
