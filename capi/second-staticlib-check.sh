#!/usr/bin/env bash
# Linking stacknet next to another Rust `no_std` staticlib: each brings a panic handler, and
# the link fails with "multiple definition of `rust_begin_unwind'". This script builds a tiny
# second `no_std` staticlib in a temporary directory, shows that the plain link fails, then
# applies the recipe of docs/capi.md (weaken stacknet's copy of the symbol with objcopy, so
# the other library's handler is the one kept) and runs the program. Needs
# target/capi/libstacknet_capi.a (cargo build -p stacknet-capi --profile capi).
set -euo pipefail
cd "$(dirname "$0")/.."
lib=target/capi/libstacknet_capi.a
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/other/src"
cat >"$tmp/other/Cargo.toml" <<'EOF'
[package]
name = "other"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["staticlib"]

[profile.release]
panic = "abort"

[workspace]
EOF
cat >"$tmp/other/src/lib.rs" <<'EOF'
#![no_std]
#[no_mangle]
pub extern "C" fn other_add(a: u32, b: u32) -> u32 {
    a.wrapping_add(b)
}
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
EOF
cat >"$tmp/both.c" <<'EOF'
#include <stdio.h>
#include "stacknet.h"
uint32_t other_add(uint32_t a, uint32_t b);
int main(void) {
    static stacknet_xor_2_3_2_t net;
    stacknet_status_t s = stacknet_xor_2_3_2_init(&net, sizeof net, 1);
    printf("two Rust staticlibs in one program: init %d, other_add(2, 3) = %u\n", (int)s, (unsigned)other_add(2, 3));
    return s == STACKNET_OK && other_add(2, 3) == 5 ? 0 : 1;
}
EOF
(cd "$tmp/other" && CARGO_TARGET_DIR="$tmp/target" cargo build -q --release)
other="$tmp/target/release/libother.a"
link() { gcc -std=c99 -Icapi/include "$tmp/both.c" "$1" "$other" -Wl,--gc-sections -lm -o "$tmp/both"; }

if link "$lib" 2>"$tmp/err"; then
  echo "second-staticlib-check: the plain link succeeded; the recipe in docs/capi.md may be obsolete" >&2
  exit 1
fi
grep -q 'multiple definition of .*rust_begin_unwind' "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
echo "plain link fails as expected: $(grep -o 'multiple definition of [^;]*' "$tmp/err" | head -1)"

# The recipe: find stacknet's panic handler symbol (its mangled name depends on the compiler)
# and make it weak, so the other library's strong definition wins.
sym=$(nm --defined-only "$lib" 2>/dev/null | awk '$3 ~ /rust_begin_unwind$/ && !n++ { print $3 }')
[ -n "$sym" ] || { echo "no rust_begin_unwind in $lib" >&2; exit 1; }
objcopy --weaken-symbol="$sym" "$lib" "$tmp/libstacknet_capi_weak.a"
link "$tmp/libstacknet_capi_weak.a"
"$tmp/both"
