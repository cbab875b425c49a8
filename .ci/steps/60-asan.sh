#!/usr/bin/env bash
# The test suite under AddressSanitizer (nightly). Its own target dir, so the instrumented
# build never mixes with the normal one; `--target` keeps build scripts and proc macros
# uninstrumented.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi

RUSTFLAGS="-Zsanitizer=address" ASAN_OPTIONS="detect_leaks=1" \
  cargo +nightly test --target x86_64-unknown-linux-gnu --target-dir target/asan --lib --tests
