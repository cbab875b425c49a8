#!/usr/bin/env bash
# Builds the live XOR page's module: examples/web/stacknet_web.wasm (wasm32, simd128 tier).
#   bash examples/web/build.sh            then serve the folder:
#   python3 -m http.server --bind 127.0.0.1 8000 --directory examples/web
# and open http://127.0.0.1:8000/. Uses Debian's rustc (std/core built from source with
# -Zbuild-std) and wasm-ld; `bash scripts/setup-cross.sh` installs both, and this script runs
# it when they are missing. STACKNET_WASM_FEATURES="" builds without simd128 (scalar only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v wasm-ld >/dev/null || ! rustup toolchain list 2>/dev/null | grep -q '^debianweb'; then
  bash "$root/scripts/setup-cross.sh"
fi
feat=${STACKNET_WASM_FEATURES-+simd128}
# A run of the widest network builds its ~1 MiB of buffers on the stack before moving them
# into their static: an 8 MiB stack (the default is 1 MiB).
flags="-C linker=wasm-ld -C link-arg=-zstack-size=8388608"
[ -n "$feat" ] && flags="-C target-feature=$feat $flags"
cd "$here"
RUSTFLAGS="$flags" "$root/scripts/xcargo" rustc --release --locked -q --lib --crate-type cdylib \
  --target wasm32-unknown-unknown -Zbuild-std=core
cp target/wasm32-unknown-unknown/release/stacknet_web.wasm "$here/stacknet_web.wasm"
echo "built $here/stacknet_web.wasm ($(stat -c %s "$here/stacknet_web.wasm") bytes, features: ${feat:-none})"
