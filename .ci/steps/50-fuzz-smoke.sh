#!/usr/bin/env bash
# Fuzz smoke: every target in fuzz/ runs 40 s on nightly (6 targets, 4 minutes in all), seeded from the committed corpus
# in fuzz/seeds/ (which also holds each past crash as a regression input). A crash, a
# failed property assertion or a timeout fails CI. The campaign figures are in
# docs/failure.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi

cd fuzz
cargo +nightly fuzz build
for target in kernels_diff train_step load capi capi_net quant; do
  corpus=$(mktemp -d)
  log=$(mktemp)
  echo "--- fuzz smoke: $target (40 s)"
  # The first directory is the scratch corpus; the seeds are only read.
  status=0
  cargo +nightly fuzz run "$target" "$corpus" "seeds/$target" -- \
    -max_total_time=40 -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)|ERROR|panicked|SUMMARY|Test unit' "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log"
    echo "fuzz target $target failed with status $status (crash input in fuzz/artifacts/$target/)" >&2
    exit "$status"
  fi
  rm -rf "$corpus" "$log"
done
