#!/usr/bin/env bash
# Build proof (checks/no-std): stacknet in a #![no_std] #![no_main] binary (panic = abort, no
# allocator, one train_step reached from the entry point) for Cortex-M0 (soft float) and
# Cortex-M4F.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-cross.sh
cd checks/no-std
for target in thumbv6m-none-eabi thumbv7em-none-eabihf; do
  ../../scripts/xcargo build --release --locked -Zbuild-std=core --target "$target"
  elf="target/$target/release/no-std-check"
  # The training step must really be in the binary (not dropped as dead code).
  if ! arm-none-eabi-nm -C "$elf" | grep -q 'stacknet::'; then
    echo "no-std: $target binary holds no stacknet code" >&2
    exit 1
  fi
  echo "no-std: $target OK ($(arm-none-eabi-size -A "$elf" | awk '$1==".text"{print $2}') bytes of .text)"
done
