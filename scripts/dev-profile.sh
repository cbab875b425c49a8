#!/usr/bin/env bash
# How fast a program that depends on stacknet trains under each Cargo profile setting:
# checks/dev-profile (a stand-in for a user's crate) built in debug with no override, with
# `[profile.dev.package.stacknet] opt-level = 3`, with `[profile.dev] opt-level = 1`, with
# both, and in release; each run ROUNDS times for SECS seconds per network.
# Usage: bash scripts/dev-profile.sh [ROUNDS] [SECS]
set -euo pipefail
cd "$(dirname "$0")/../checks/dev-profile"
rounds=${1:-3}
secs=${2:-3}
target=../../target/dev-profile
declare -A flags=(
  [debug]=""
  [debug+stacknet-o3]="--config profile.dev.package.stacknet.opt-level=3"
  [debug+o1]="--config profile.dev.opt-level=1"
  [debug+o1+stacknet-o3]="--config profile.dev.opt-level=1 --config profile.dev.package.stacknet.opt-level=3"
)
order=(debug debug+stacknet-o3 debug+o1 debug+o1+stacknet-o3 release)
for name in "${order[@]}"; do
  if [ "$name" = release ]; then
    cargo build -q --release --target-dir "$target/$name"
  else
    # shellcheck disable=SC2086
    cargo build -q ${flags[$name]} --target-dir "$target/$name"
  fi
done
for r in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    dir=debug
    [ "$name" = release ] && dir=release
    echo "round $r $name: $("$target/$name/$dir/dev-profile-check" "$secs")"
  done
done
