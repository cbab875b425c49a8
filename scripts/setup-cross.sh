#!/usr/bin/env bash
# Idempotent setup for the cross checks (no_std builds, NEON under qemu-aarch64, firmware
# in QEMU, wasm32): Debian's rustc-web 1.96 with its matching std source (for -Zbuild-std,
# since rustup cannot download targets here), ld.lld and wasm-ld (lld), wasi-libc, QEMU,
# and the cross C toolchains.
# After it: `scripts/xcargo ARGS` = Debian rustc + build-std unlocked for that command only.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(rustc-web cargo-web rust-web-src libstd-rust-web-dev lld
      qemu-system-arm qemu-system-misc qemu-user
      gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc llvm python3 wasi-libc)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup-cross: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # qemu-system-common 7.2 may displace a newer preinstalled qemu-utils: put one back.
  command -v qemu-img >/dev/null || apt-get install -y -qq --no-install-recommends qemu-utils >/dev/null || true
fi
ver=$(/usr/bin/rustc -V | awk '{print $2}')
[ -f /usr/lib/rustlib/src/rust/library/core/Cargo.toml ] || { echo "setup-cross: rust-web-src missing"; exit 1; }
[ -d "/usr/src/rustc-$ver" ] || { echo "setup-cross: rust-web-src does not match rustc $ver"; exit 1; }
rustup toolchain list | grep -q '^debianweb' || rustup toolchain link debianweb /usr
rustc +debianweb -V >/dev/null
# The instruction-count QEMU plugin (Debian ships neither contrib plugins nor the header).
here=$(cd "$(dirname "$0")" && pwd)
plugin_dir="$here/../target/qemu-plugin"
plugin="$plugin_dir/libinsncount.so"
if [ ! -f "$plugin" ] || [ "$here/qemu-plugin/insncount.c" -nt "$plugin" ]; then
  mkdir -p "$plugin_dir"
  gcc -O2 -Wall -shared -fPIC -o "$plugin" "$here/qemu-plugin/insncount.c"
fi
echo "setup-cross: ready (Debian rustc $ver as toolchain 'debianweb')"
