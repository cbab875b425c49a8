#!/usr/bin/env bash
# tools/ (workspace member stacknet-tools, not published): the benchmark peers compute the
# same step as stacknet (tests/peers.rs), lints for the benches and binaries, and a short
# run of each binary that no other step runs (step_icount runs in 35-step-icount.sh; the
# criterion benches are only compiled here, never timed).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test -p stacknet-tools
cargo clippy -p stacknet-tools --all-targets -- -D warnings
cargo fmt -p stacknet-tools --check
out=target/tools-ci
mkdir -p "$out"
cargo run -q -p stacknet-tools --bin step_kernels -- scalar 4 3 | tee "$out/step_kernels.txt"
grep -q '^| hidden forward' "$out/step_kernels.txt"
printf 'stacknet-scalar\t4x3\t900.0\nstacknet-scalar\t50x10\t4000.0\nnaive\t4x3\t300.0\nnaive\t50x10\t5000.0\n' >"$out/times.tsv"
cargo run -q -p stacknet-tools --bin step_plot -- "$out/times.tsv" "$out/train_step.png"
test -s "$out/train_step.png"
