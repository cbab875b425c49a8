#!/usr/bin/env bash
# Firmware in QEMU on Cortex-M4F, M0, M33 and RV32IMAC, the same weight hash on x86_64,
# aarch64 (qemu-aarch64) and every chip, and the M4F footprint budgets.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-cross.sh
bash scripts/embedded-check.sh
