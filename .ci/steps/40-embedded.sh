#!/usr/bin/env bash
# Firmware in QEMU on Cortex-M4F, M0, M33 and RV32IMAC, the same weight hash on x86_64,
# aarch64 (qemu-aarch64) and every chip, and the M4F footprint budgets.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The MCU sigmoid against the golden cases and the tiers' exhaustive-ish σ sweep (≤ 4 ulp).
cargo test -q --features mcu-sigmoid --test golden --test tiers
bash scripts/setup-cross.sh
bash scripts/embedded-check.sh
