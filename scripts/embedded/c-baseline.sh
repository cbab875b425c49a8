#!/usr/bin/env bash
# stacknet's 2-3-2 train_step against the hand-written C step (scripts/embedded/c-baseline/
# step.c), doing the same work, counted in the same QEMU with the same plugin, on the
# Cortex-M4F (mps2-an386) and the Cortex-M0 (microbit), with and without ridge:
#   stacknet: examples/firmware's `bench` (release profile of its Cargo.toml and
#             .cargo/config.toml), window 1 (Objective::default() = MSE) and window 6
#             (Objective::mse_ridge(1e-4)), each minus the empty window 0;
#   C:        arm-none-eabi-gcc 12 -O2 -ffp-contract=off (no fused multiply-add: the same
#             roundings as stacknet), newlib's expf and libgcc's soft float,
#             -DRIDGE=0 / -DRIDGE=1 (λ = 1e-4), window 1 minus window 0; each C program
#             then trains 2000 steps and must classify the four corners (exit status 0).
#             The last column is the same C built with plain -O2 (GCC's default
#             -ffp-contract=fast: fused multiply-adds on the M4F, other roundings).
# Prints a markdown table. Usage (after scripts/setup-cross.sh):
#   bash scripts/embedded/c-baseline.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fw="$root/examples/firmware"
src="$root/scripts/embedded/c-baseline"
out="$root/target/c-baseline"
plugin="$root/target/qemu-plugin/libinsncount.so"
semi=(-nographic -semihosting-config enable=on,target=native)
mkdir -p "$out"
die() { echo "c-baseline: $*" >&2; exit 1; }
[ -f "$plugin" ] || die "no $plugin (run scripts/setup-cross.sh)"

declare -A qemu=(
  [m4f]="qemu-system-arm -cpu cortex-m4 -machine mps2-an386"
  [m0]="qemu-system-arm -cpu cortex-m0 -machine microbit"
)
declare -A rust_target=([m4f]=thumbv7em-none-eabihf [m0]=thumbv6m-none-eabi)
declare -A cflags=(
  [m4f]="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
  [m0]="-mcpu=cortex-m0 -mthumb -mfloat-abi=soft"
)
declare -A startup=(
  [m4f]="-T $root/capi/firmware/mps2.ld $root/capi/firmware/vectors.c"
  [m0]="-nostartfiles -T $src/microbit.ld $src/vectors-m0.c"
)

sym() { llvm-nm "$1" | awk -v s="$2" '$3==s {print "0x"$1}'; }
# Runs ELF under the plugin for chip $1; prints the plugin's and the program's output.
# Fails if the program exits non-zero.
counted() {
  local chip=$1 elf=$2 start end
  start=$(sym "$elf" bench_start)
  end=$(sym "$elf" bench_end)
  [ -n "$start" ] && [ -n "$end" ] || die "$elf: no bench_start/bench_end"
  # shellcheck disable=SC2086
  timeout 600 ${qemu[$chip]} "${semi[@]}" -plugin "$plugin,start=$start,end=$end" -d plugin -kernel "$elf" 2>&1 \
    || die "$elf exited with status $?"
}
window() { # OUTPUT N: window N's count, or fail
  local w
  w=$(sed -n "s/^insncount: window $2 = //p" <<<"$1")
  [ -n "$w" ] || die "window $2 missing in: $1"
  echo "$w"
}

declare -A rs c
for chip in m4f m0; do
  t=${rust_target[$chip]}
  (cd "$fw" && "$root/scripts/xcargo" build --release --locked -q -Zbuild-std=core --target "$t" --bin bench) \
    || die "$t: firmware build failed"
  o=$(counted "$chip" "$fw/target/$t/release/bench")
  grep -q '^bench 2-3-2 ridge:' <<<"$o" || die "$t: bench printed no ridge line: $o"
  w0=$(window "$o" 0)
  w1=$(window "$o" 1)
  w6=$(window "$o" 6)
  rs[$chip,0]=$((w1 - w0))
  rs[$chip,1]=$((w6 - w0))
  for r in 0 1; do
    for contract in off fast; do
      elf="$out/$chip-ridge$r-contract-$contract.elf"
      # shellcheck disable=SC2086
      arm-none-eabi-gcc ${cflags[$chip]} -O2 -ffp-contract=$contract -DRIDGE=$r --specs=rdimon.specs \
        -Wl,--gc-sections -Wl,-z,noexecstack "$src/step.c" ${startup[$chip]} -lm -o "$elf" \
        || die "$elf: build failed"
      o=$(counted "$chip" "$elf")
      grep -q "^c-baseline 2-3-2 RIDGE=$r: .* corners 4/4 PASS$" <<<"$o" || die "$elf did not learn XOR: $o"
      w0=$(window "$o" 0)
      w1=$(window "$o" 1)
      c[$chip,$r,$contract]=$((w1 - w0))
    done
  done
done

echo "| chip | objective | stacknet insns/step | C insns/step | C − stacknet | C, plain -O2 (fp contraction) |"
echo "|---|---|---:|---:|---:|---:|"
for chip in m4f m0; do
  for r in 0 1; do
    name=$([ "$chip" = m4f ] && echo "Cortex-M4F" || echo "Cortex-M0")
    obj=$([ "$r" = 0 ] && echo "MSE" || echo "MSE + ridge 1e-4")
    printf '| %s | %s | %d | %d | %+d | %d |\n' "$name" "$obj" "${rs[$chip,$r]}" "${c[$chip,$r,off]}" \
      "$((c[$chip,$r,off] - rs[$chip,$r]))" "${c[$chip,$r,fast]}"
  done
done
