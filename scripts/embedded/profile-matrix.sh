#!/usr/bin/env bash
# What each release-profile setting of a firmware is worth on the Cortex-M4F: builds
# examples/firmware's `bench` and flash probes with the profile the footprint figures assume
# (opt-level 3, fat LTO, codegen-units 1, panic = abort, LLVM's unroll threshold 0), then
# with each setting changed alone, and prints per variant: instructions of one 2-3-2
# train_step and of one digits prediction (QEMU plugin), and stacknet's flash of one
# train_step and of load + one digits prediction (scripts/embedded/flash.py).
# Usage (after scripts/setup-cross.sh): bash scripts/embedded/profile-matrix.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/examples/firmware"
t=thumbv7em-none-eabihf
plugin="$root/target/qemu-plugin/libinsncount.so"
# Passed as RUSTFLAGS, which replaces `.cargo/config.toml`'s target rustflags (a
# `--config target.….rustflags=` would be appended to them: -Tlink.x twice, and the unroll
# threshold could not be left out).
base_flags='-C link-arg=-Tlink.x'
unroll_flags='-C link-arg=-Tlink.x -C llvm-args=-unroll-threshold=0'
# Variants to run (all by default): e.g. VARIANTS="1 2" for the first two only.
only=" ${VARIANTS:-1 2 3 4 5 6 7 8} "
n=0
sym() { llvm-nm "$1" | awk -v s="$2" '$3==s {print "0x"$1}'; }
variant() { # NAME RUSTFLAGS [--config ...]
  n=$((n + 1))
  [[ "$only" == *" $n "* ]] || return 0
  local name=$1 flags=$2 dir="$root/target/profile-matrix/$n"
  shift 2
  RUSTFLAGS="$flags" "$root/scripts/xcargo" build --release --locked -q -Zbuild-std=core --target "$t" --bins \
    --target-dir "$dir" "$@"
  local d="$dir/$t/release" elf="$dir/$t/release/bench" out
  out=$(qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic -semihosting-config enable=on,target=native \
    -plugin "$plugin,start=$(sym "$elf" bench_start),end=$(sym "$elf" bench_end)" -d plugin -kernel "$elf" 2>&1)
  local w0 w1 w5
  w0=$(sed -n 's/^insncount: window 0 = //p' <<<"$out")
  w1=$(sed -n 's/^insncount: window 1 = //p' <<<"$out")
  w5=$(sed -n 's/^insncount: window 5 = //p' <<<"$out")
  if [ -z "$w0" ] || [ -z "$w1" ] || [ -z "$w5" ]; then
    echo "profile-matrix: $name: bench windows missing" >&2
    echo "$out" >&2
    exit 1
  fi
  local step infer
  step=$(python3 "$root/scripts/embedded/flash.py" "$d/flash_base" "$d/flash_232" | sed -n 's/^stacknet=\([0-9]*\) .*/\1/p')
  infer=$(python3 "$root/scripts/embedded/flash.py" "$d/flash_infer_base" "$d/flash_infer_digits" | sed -n 's/^stacknet=\([0-9]*\) .*/\1/p')
  if [ -z "$step" ] || [ -z "$infer" ]; then
    echo "profile-matrix: $name: flash.py gave no stacknet figure" >&2
    exit 1
  fi
  rm -rf "$dir"
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$((w1 - w0))" "$step" "$((w5 - w0))" "$infer"
}
echo "| variant | 2-3-2 train_step insns | stacknet flash of train_step (B) | digits prediction insns | stacknet flash of load + digits prediction (B) |"
echo "|---|---:|---:|---:|---:|"
variant "opt-level 3, fat LTO, codegen-units 1, panic abort, unroll threshold 0" "$unroll_flags"
variant "… without the unroll threshold" "$base_flags"
variant "… opt-level \"s\"" "$unroll_flags" --config 'profile.release.opt-level="s"'
variant "… opt-level \"z\"" "$unroll_flags" --config 'profile.release.opt-level="z"'
variant "… opt-level 2" "$unroll_flags" --config 'profile.release.opt-level=2'
variant "… thin LTO" "$unroll_flags" --config 'profile.release.lto="thin"'
variant "… no LTO" "$unroll_flags" --config 'profile.release.lto=false'
variant "… codegen-units 16" "$unroll_flags" --config 'profile.release.codegen-units=16'
rm -rf "$root/target/profile-matrix"
