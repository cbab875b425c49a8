#!/usr/bin/env bash
# The kernel tier tests (tests/tiers.rs, forced_tier.rs, fusion.rs) and the scalar XOR
# weight hash (examples/web/tests/xor_hash.rs) for wasm32 (WASI preview 1) with the simd128
# tier, run under Node:
#   scripts/wasm-test.sh [CARGO TEST ARGS…]      e.g. --test tiers
# They are compiled as test targets of examples/web/Cargo.toml (the root package's
# dev-dependencies do not all build for wasm32). Debian's rustc builds std for the target
# (-Zbuild-std), Debian's wasm-ld links it against Debian's wasi-libc, and
# scripts/wasi-run.mjs runs each test binary in Node's WASI. Needs
# `bash scripts/setup-cross.sh` first (rustc-web, lld, wasi-libc, llvm); Node ≥ 20 runs
# simd128. scripts/wasi-pthread-stubs.s fills the pthread symbols Debian's wasi-libc lacks.
# STACKNET_WASM_FEATURES="" builds without simd128 (then only the scalar tier exists).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
feat=${STACKNET_WASM_FEATURES-+simd128}
wasi=/usr/lib/wasm32-wasi
stubs="$root/target/wasi-pthread-stubs.o"
mkdir -p "$root/target"
llvm-mc -triple=wasm32-wasi -filetype=obj "$root/scripts/wasi-pthread-stubs.s" -o "$stubs"
# An 8 MiB stack, as a native test thread has at least 2 MiB: tests keep workspaces of
# several hundred KiB on the stack (wasm-ld's default is 1 MiB, and an overflow is an
# out-of-bounds trap, not a clean error).
flags="-C link-self-contained=no -L $wasi -C link-arg=$wasi/crt1-command.o -C link-arg=$stubs"
flags="$flags -C link-arg=-zstack-size=8388608"
[ -n "$feat" ] && flags="-C target-feature=$feat $flags"
export CARGO_TARGET_WASM32_WASIP1_LINKER=wasm-ld
export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="$flags"
export CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings $root/scripts/wasi-run.mjs"
cd "$root/examples/web"
exec "$root/scripts/xcargo" test --locked -Zbuild-std=std,panic_abort --target wasm32-wasip1 "$@"
