#!/usr/bin/env bash
# All embedded checks in one command (after `bash scripts/setup-cross.sh`):
#  1. builds examples/firmware for Cortex-M4F, M0, M33 and RV32IMAC, runs the XOR training
#     (SGD, then AdamW, each also across a save → reset → load) in QEMU (exit status through
#     semihosting) and checks all four corners;
#  2. runs the same training on the x86_64 host and on aarch64 Linux (qemu-aarch64) and
#     checks that every target printed the same weight hashes (scalar tier, same seed);
#  3. runs `bench` on each bare-metal target (instructions per train_step from the QEMU
#     plugin, stack high-water from painting, RAM of model + workspace + optimizer) and
#     checks the M4F budgets and that the M4F code calls no soft-float helper; the same for
#     one AdamW step (`bench_adamw`, M4F and M0 budgets); one step of the same network
#     described at run time (`bench_runtime`, `stacknet::runtime`);
#  4. inference only: runs `digits` (the desktop-trained 64-32-10 digits classifier, loaded
#     from flash, over the 450 test images) on every target, checks the desktop's count
#     (409/450) and the same prediction hash everywhere, measures load and prediction
#     (instructions, stack, RAM, flash) and checks that load + predict link no panic code;
#     the same for the int8 model (`stacknet::quant`, `firmware::digits_q8`): 410/450, the
#     desktop's int8 output hash on every target, its instructions, flash and budgets;
#  5. power cuts during on-device learning (scripts/power-cut.sh): the `learn` firmware
#     fine-tunes the digits head with A/B checkpoints on a host-file flash; QEMU is killed
#     at seeded instruction counts and every reboot must resume from the newest complete
#     checkpoint and end with the uninterrupted run's bits (M4F 200 cuts, M0 20 cuts).
# Prints PASS/FAIL lines; exits 1 if any check failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fw="$root/examples/firmware"
xcargo="$root/scripts/xcargo"
plugin="$root/target/qemu-plugin/libinsncount.so"
semi=(-nographic -semihosting-config enable=on,target=native)
cd "$fw"

fails=0
pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; fails=$((fails + 1)); }

targets=(thumbv7em-none-eabihf thumbv6m-none-eabi thumbv8m.main-none-eabihf riscv32imac-unknown-none-elf)
declare -A qemu=(
  [thumbv7em-none-eabihf]="qemu-system-arm -cpu cortex-m4 -machine mps2-an386"
  [thumbv6m-none-eabi]="qemu-system-arm -cpu cortex-m0 -machine microbit"
  [thumbv8m.main-none-eabihf]="qemu-system-arm -cpu cortex-m33 -machine mps2-an505"
  [riscv32imac-unknown-none-elf]="qemu-system-riscv32 -machine virt -bios none"
)
declare -A hash232 hash2102 digits_hash adamhash digits_q8_hash

# Checks one run's output: exit status, PASS, hashes. $1 = name, $2 = status, $3 = output.
record() {
  local name=$1 rc=$2 out=$3
  local h3 h10
  h3=$(sed -n 's/.*xor 2-3-2 corners 4\/4 .* hash \([0-9a-f]\{8\}\) PASS.*/\1/p' <<<"$out")
  h10=$(sed -n 's/.*xor 2-10-2 corners 4\/4 .* hash \([0-9a-f]\{8\}\) PASS.*/\1/p' <<<"$out")
  adamhash[$name]="$(sed -n 's/.*adamw 2-3-2 corners 4\/4 .* hash \([0-9a-f]\{8\}\) PASS.*/\1/p' <<<"$out") $(sed -n 's/.*adamw 2-10-2 corners 4\/4 .* hash \([0-9a-f]\{8\}\) PASS.*/\1/p' <<<"$out")"
  if [ "$rc" -eq 0 ] && [ -n "$h3" ] && [ -n "$h10" ] && [ "$(tail -n1 <<<"$out")" = PASS ]; then
    pass "$name: XOR learned (2-3-2 hash $h3, 2-10-2 hash $h10)"
    hash232[$name]=$h3
    hash2102[$name]=$h10
  else
    fail "$name: exit status $rc"
    sed 's/^/      /' <<<"$out"
  fi
}

run() { # run NAME CMD... : runs with a time limit, records the result
  local name=$1 out rc=0
  shift
  out=$(timeout 300 "$@" 2>&1) || rc=$?
  record "$name" "$rc" "$out"
}

# Runs the inference-only `digits` firmware: $1 = name, then the command.
run_digits() {
  local name=$1 out rc=0 h
  shift
  out=$(timeout 300 "$@" 2>&1) || rc=$?
  h=$(sed -n 's/^digits 64-32-10: 409\/450 correct .* predictions hash \([0-9a-f]\{8\}\), .* PASS$/\1/p' <<<"$out")
  if [ "$rc" -eq 0 ] && [ -n "$h" ]; then
    pass "$name: digits classified from flash, 409/450 as on the desktop (prediction hash $h)"
    digits_hash[$name]=$h
  else
    fail "$name: digits (exit status $rc)"
    sed 's/^/      /' <<<"$out"
  fi
  # The int8 model: the firmware itself checks the desktop's count and output hash.
  h=$(sed -n 's/^digits int8 64-32-10: 410\/450 correct .* outputs hash \([0-9a-f]\{8\}\), .* PASS$/\1/p' <<<"$out")
  if [ -n "$h" ]; then
    pass "$name: digits int8 410/450 as on the desktop (outputs hash $h)"
    digits_q8_hash[$name]=$h
  else
    fail "$name: digits int8"
  fi
}

# --- bare metal: build firmware + bench, run the firmware in QEMU ----------------------
declare -A built
for t in "${targets[@]}"; do
  if "$xcargo" build --release --locked -q -Zbuild-std=core --target "$t" --bins; then
    built[$t]=1
    # shellcheck disable=SC2086
    run "$t" ${qemu[$t]} "${semi[@]}" -kernel "target/$t/release/firmware"
    # shellcheck disable=SC2086
    run_digits "$t" ${qemu[$t]} "${semi[@]}" -kernel "target/$t/release/digits"
  else
    fail "$t: build"
  fi
done

# --- hosted: x86_64 (rustup stable) and aarch64 Linux under qemu-aarch64 ---------------
if cargo build --release --locked -q --bin firmware --bin digits; then
  run x86_64-unknown-linux-gnu target/release/firmware
  run_digits x86_64-unknown-linux-gnu target/release/digits
else
  fail "x86_64: build"
fi
if "$xcargo" build --release --locked -q -Zbuild-std=std,panic_abort --target aarch64-unknown-linux-gnu --bin firmware --bin digits; then
  run aarch64-unknown-linux-gnu qemu-aarch64 -L /usr/aarch64-linux-gnu target/aarch64-unknown-linux-gnu/release/firmware
  run_digits aarch64-unknown-linux-gnu qemu-aarch64 -L /usr/aarch64-linux-gnu target/aarch64-unknown-linux-gnu/release/digits
else
  fail "aarch64: build"
fi

# --- the same bits everywhere -----------------------------------------------------------
ref=x86_64-unknown-linux-gnu
for name in "${targets[@]}" aarch64-unknown-linux-gnu; do
  [ -n "${hash232[$name]:-}" ] && [ -n "${hash232[$ref]:-}" ] || { fail "hash: $name vs $ref (missing run)"; continue; }
  if [ "${hash232[$name]}" = "${hash232[$ref]}" ] && [ "${hash2102[$name]}" = "${hash2102[$ref]}" ]; then
    pass "hash: $name = $ref (${hash232[$ref]}, ${hash2102[$ref]})"
  else
    fail "hash: $name (${hash232[$name]}, ${hash2102[$name]}) != $ref (${hash232[$ref]}, ${hash2102[$ref]})"
  fi
done

for name in "${targets[@]}" aarch64-unknown-linux-gnu; do
  a="${adamhash[$name]:-}" r="${adamhash[$ref]:-}"
  if [[ "$a" =~ ^[0-9a-f]{8}\ [0-9a-f]{8}$ ]] && [ "$a" = "$r" ]; then
    pass "adamw hash: $name = $ref ($r)"
  else
    fail "adamw hash: $name (${a:-none}) != $ref (${r:-none})"
  fi
done

for name in "${targets[@]}" aarch64-unknown-linux-gnu; do
  if [ -n "${digits_hash[$name]:-}" ] && [ "${digits_hash[$name]}" = "${digits_hash[$ref]:-}" ]; then
    pass "digits hash: $name = $ref (${digits_hash[$ref]})"
  else
    fail "digits hash: $name (${digits_hash[$name]:-none}) != $ref (${digits_hash[$ref]:-none})"
  fi
  # tests/quant.rs pins the same hash on the desktop (every x86 tier) and under qemu-aarch64 (NEON).
  if [ "${digits_q8_hash[$name]:-}" = fab1646f ] && [ "${digits_q8_hash[$ref]:-}" = fab1646f ]; then
    pass "digits int8 hash: $name = $ref = tests/quant.rs (fab1646f)"
  else
    fail "digits int8 hash: $name (${digits_q8_hash[$name]:-none}), $ref (${digits_q8_hash[$ref]:-none}) != fab1646f"
  fi
done

# --- footprint: instructions, stack, RAM per train_step --------------------------------
sym() { llvm-nm "$1" | awk -v s="$2" '$3==s {print "0x"$1}'; }
declare -A insns232 stack232 ram232 infer232 infer_digits insns_adam ram_adam infer_q8 layers_q8 features_q8 insns_rt insns_rt10 stack_rt
for t in "${targets[@]}"; do
  elf="target/$t/release/bench"
  [ -n "${built[$t]:-}" ] || { fail "$t: bench not built"; continue; }
  rc=0
  # shellcheck disable=SC2086
  out=$(timeout 120 ${qemu[$t]} "${semi[@]}" -plugin "$plugin,start=$(sym "$elf" bench_start),end=$(sym "$elf" bench_end)" \
    -d plugin -kernel "$elf" 2>&1) || rc=$?
  w0=$(sed -n 's/^insncount: window 0 = //p' <<<"$out")
  w1=$(sed -n 's/^insncount: window 1 = //p' <<<"$out")
  w2=$(sed -n 's/^insncount: window 2 = //p' <<<"$out")
  if [ "$rc" -ne 0 ] || [ -z "$w2" ]; then
    fail "$t: bench (status $rc)"
    sed 's/^/      /' <<<"$out"
    continue
  fi
  # The empty window 0 is the markers' own cost; take it off.
  insns232[$t]=$((w1 - w0))
  stack232[$t]=$(sed -n 's/^bench 2-3-2: stack \([0-9]*\) B.*/\1/p' <<<"$out")
  ram232[$t]=$(sed -n 's/^bench 2-3-2: .* = \([0-9]*\) B$/\1/p' <<<"$out")
  pass "$t: bench 2-3-2 $((w1 - w0)) insns/step, 2-10-2 $((w2 - w0)) insns/step"
  grep '^bench 2-' <<<"$out" | sed 's/^/      /'
  w3=$(sed -n 's/^insncount: window 3 = //p' <<<"$out")
  w4=$(sed -n 's/^insncount: window 4 = //p' <<<"$out")
  w5=$(sed -n 's/^insncount: window 5 = //p' <<<"$out")
  if [ -z "$w5" ]; then
    fail "$t: bench inference windows missing"
    continue
  fi
  infer232[$t]=$((w3 - w0))
  infer_digits[$t]=$((w5 - w0))
  pass "$t: inference 2-3-2 $((w3 - w0)) insns/prediction; digits load $((w4 - w0)) insns, $((w5 - w0)) insns/prediction"
  w7=$(sed -n 's/^insncount: window 7 = //p' <<<"$out")
  w8=$(sed -n 's/^insncount: window 8 = //p' <<<"$out")
  w9=$(sed -n 's/^insncount: window 9 = //p' <<<"$out")
  w10=$(sed -n 's/^insncount: window 10 = //p' <<<"$out")
  if [ -n "$w10" ]; then
    infer_q8[$t]=$((w8 - w0))
    layers_q8[$t]=$((w9 - w0))
    features_q8[$t]=$((w10 - w0))
    pass "$t: int8 digits check in place $((w7 - w0)) insns, $((w8 - w0)) insns/prediction from the pixels (int8 layers $((w9 - w0)), from f32 features $((w10 - w0)))"
  else
    fail "$t: bench int8 windows missing"
  fi
  grep '^bench infer' <<<"$out" | sed 's/^/      /'
  # One AdamW step, in its own image (bench_adamw).
  elf="target/$t/release/bench_adamw"
  rc=0
  # shellcheck disable=SC2086
  aout=$(timeout 120 ${qemu[$t]} "${semi[@]}" -plugin "$plugin,start=$(sym "$elf" bench_start),end=$(sym "$elf" bench_end)" \
    -d plugin -kernel "$elf" 2>&1) || rc=$?
  a0=$(sed -n 's/^insncount: window 0 = //p' <<<"$aout")
  a1=$(sed -n 's/^insncount: window 1 = //p' <<<"$aout")
  if [ "$rc" -ne 0 ] || [ -z "$a1" ]; then
    fail "$t: bench_adamw (status $rc)"
    sed 's/^/      /' <<<"$aout"
    continue
  fi
  insns_adam[$t]=$((a1 - a0))
  ram_adam[$t]=$(sed -n 's/^bench 2-3-2 adamw: .* = \([0-9]*\) B$/\1/p' <<<"$aout")
  pass "$t: AdamW 2-3-2 $((a1 - a0)) insns/step"
  grep '^bench 2-3-2 adamw' <<<"$aout" | sed 's/^/      /'
  # One step of the same 2-3-2 network described at run time (bench_runtime, own image).
  elf="target/$t/release/bench_runtime"
  rc=0
  # shellcheck disable=SC2086
  rout=$(timeout 120 ${qemu[$t]} "${semi[@]}" -plugin "$plugin,start=$(sym "$elf" bench_start),end=$(sym "$elf" bench_end)" \
    -d plugin -kernel "$elf" 2>&1) || rc=$?
  r0=$(sed -n 's/^insncount: window 0 = //p' <<<"$rout")
  r1=$(sed -n 's/^insncount: window 1 = //p' <<<"$rout")
  r2=$(sed -n 's/^insncount: window 2 = //p' <<<"$rout")
  if [ "$rc" -ne 0 ] || [ -z "$r1" ] || [ -z "$r2" ]; then
    fail "$t: bench_runtime (status $rc)"
    sed 's/^/      /' <<<"$rout"
    continue
  fi
  insns_rt[$t]=$((r1 - r0))
  insns_rt10[$t]=$((r2 - r0))
  stack_rt[$t]=$(sed -n 's/^bench 2-3-2 runtime: stack \([0-9]*\) B.*/\1/p' <<<"$rout")
  pass "$t: run-time 2-3-2 $((r1 - r0)) insns/step (const: ${insns232[$t]}), stack ${stack_rt[$t]} B (const: ${stack232[$t]} B); 2-10-2 $((r2 - r0)) insns/step"
  grep '^bench 2-[0-9]*-2 runtime' <<<"$rout" | sed 's/^/      /'
done

# --- flash: what one train_step pulls in, by owner (scripts/embedded/flash.py) ---------
# flash_232 / flash_2102 = flash_base (the same setup of both nets) + one train_step; the
# growth of each owner's .text + .rodata is the step's flash. The budget counts stacknet's.
declare -A flash232 flash_infer232 flash_q8 flash_rt
for t in "${targets[@]}"; do
  d="target/$t/release"
  if [ -n "${built[$t]:-}" ]; then
    s232=$(python3 "$root/scripts/embedded/flash.py" "$d/flash_base" "$d/flash_232")
    s2102=$(python3 "$root/scripts/embedded/flash.py" "$d/flash_base" "$d/flash_2102")
    flash232[$t]=$(sed -n 's/^stacknet=\([0-9]*\) .*/\1/p' <<<"$s232")
    echo "INFO  $t: flash of one train_step (bytes of .text+.rodata over flash_base): 2-3-2 $s232; 2-10-2 $s2102"
    if [[ "$s232" != *" panic=0 "* || "$s2102" != *" panic=0 "* ]]; then fail "$t: a train_step pulls in the panic machinery"; fi
    # The run-time engine: one step of a network described at run time (every layer kind,
    # loss and optimizer it may be given, since the description is data).
    srt=$(python3 "$root/scripts/embedded/flash.py" "$d/flash_base" "$d/flash_runtime")
    flash_rt[$t]=$(sed -n 's/^stacknet=\([0-9]*\) .*/\1/p' <<<"$srt")
    echo "INFO  $t: flash of one run-time train_step (over flash_base): $srt"
    if [[ "$srt" != *" panic=0 "* ]]; then fail "$t: a run-time train_step pulls in the panic machinery"; fi
    i232=$(python3 "$root/scripts/embedded/flash.py" "$d/flash_infer_base" "$d/flash_infer_232")
    idig=$(python3 "$root/scripts/embedded/flash.py" "$d/flash_infer_base" "$d/flash_infer_digits")
    flash_infer232[$t]=$(sed -n 's/^stacknet=\([0-9]*\) .*/\1/p' <<<"$i232")
    echo "INFO  $t: flash of persist::load + one prediction (over flash_infer_base): 2-3-2 $i232; digits $idig"
    iq8=$(python3 "$root/scripts/embedded/flash.py" "$d/flash_infer_base" "$d/flash_infer_q8")
    flash_q8[$t]=$(sed -n 's/^stacknet=\([0-9]*\) .*/\1/p' <<<"$iq8")
    echo "INFO  $t: flash of an int8 QuantModel::from_bytes + one prediction (over flash_infer_base): $iq8"
    if [[ "$i232" == *" panic=0 "* && "$idig" == *" panic=0 "* && "$iq8" == *" panic=0 "* ]]; then
      pass "$t: load + predict link no panic machinery"
    else
      fail "$t: load + predict pull in the panic machinery"
    fi
  else
    fail "$t: flash probes not built"
  fi
done

# --- Cortex-M4F: hard float only, and the budgets of the issue --------------------------
m4=thumbv7em-none-eabihf
soft=$(llvm-objdump -d --no-show-raw-insn "target/$m4/release/firmware" | grep -cE 'bl\s.*<__(aeabi_f|addsf|subsf|mulsf|divsf|cmpsf|fixsf|floatsi)' || true)
if [ "$soft" -eq 0 ]; then pass "$m4: no soft-float calls (__aeabi_f*, __*sf*) in the firmware"; else fail "$m4: $soft soft-float calls"; fi
# The int8 kernel on the chips with the DSP extension (M4F; M33 built with +dsp): SMLAD.
for t in "$m4" thumbv8m.main-none-eabihf; do
  n=$(llvm-objdump -d --no-show-raw-insn --mattr=+dsp "target/$t/release/digits" 2>/dev/null | grep -c 'smlad' || true)
  if [ "${n:-0}" -gt 0 ]; then pass "$t: the int8 kernel uses SMLAD ($n in digits)"; else fail "$t: no SMLAD in digits"; fi
done
budget() { # budget NAME VALUE LIMIT: enforced
  if [ -n "$2" ] && [ "$2" -le "$3" ]; then pass "$1: $2 <= $3"; else fail "$1: ${2:-?} > $3"; fi
}
budget "$m4 2-3-2 stack high-water (B)" "${stack232[$m4]:-}" 512
budget "$m4 2-3-2 model + workspace + optimizer (B)" "${ram232[$m4]:-}" 512
budget "thumbv6m-none-eabi 2-3-2 insns/step" "${insns232[thumbv6m-none-eabi]:-}" 88000
budget "$m4 2-3-2 insns/step" "${insns232[$m4]:-}" 2300
budget "$m4 2-3-2 stacknet flash of train_step (B)" "${flash232[$m4]:-}" 4096
budget "$m4 2-3-2 insns/prediction" "${infer232[$m4]:-}" 450
budget "$m4 digits insns/prediction" "${infer_digits[$m4]:-}" 15500
budget "thumbv6m-none-eabi 2-3-2 insns/prediction" "${infer232[thumbv6m-none-eabi]:-}" 13500
budget "thumbv6m-none-eabi digits insns/prediction" "${infer_digits[thumbv6m-none-eabi]:-}" 620000
budget "$m4 2-3-2 stacknet flash of load + predict (B)" "${flash_infer232[$m4]:-}" 3328
budget "$m4 2-3-2 AdamW insns/step" "${insns_adam[$m4]:-}" 3900
budget "thumbv6m-none-eabi 2-3-2 AdamW insns/step" "${insns_adam[thumbv6m-none-eabi]:-}" 162000
budget "$m4 2-3-2 AdamW model + workspace + optimizer (B)" "${ram_adam[$m4]:-}" 700
# int8 (stacknet::quant): the digits network's prediction from the pixels (their int8
# codes from a table), which must take at most a tenth of the f32 prediction's
# instructions on the Cortex-M0, as must the int8 layers alone; and the prediction from f32
# features (scaling and quantizing the pixels included).
m0f32=${infer_digits[thumbv6m-none-eabi]:-0}
budget "thumbv6m-none-eabi digits int8 insns/prediction x 10 (vs f32 prediction $m0f32)" \
  "$(( ${infer_q8[thumbv6m-none-eabi]:-999999999} * 10 ))" "$m0f32"
budget "thumbv6m-none-eabi digits int8 layers insns x 10 (vs f32 prediction $m0f32)" \
  "$(( ${layers_q8[thumbv6m-none-eabi]:-999999999} * 10 ))" "$m0f32"
budget "thumbv6m-none-eabi digits int8 insns/prediction" "${infer_q8[thumbv6m-none-eabi]:-}" 30000
budget "$m4 digits int8 insns/prediction" "${infer_q8[$m4]:-}" 13500
budget "thumbv6m-none-eabi digits int8 insns/prediction from f32 features" "${features_q8[thumbv6m-none-eabi]:-}" 70000
budget "$m4 digits int8 insns/prediction from f32 features" "${features_q8[$m4]:-}" 16000
# A network described at run time (stacknet::runtime): its steps, against regressions. On
# the M4F the 2-3-2 step takes 1.59x the const path's instructions (3,541 vs 2,228 on
# 2026-12-05) and 620 vs 344 B of stack: the same σ, loss and update, but a layer walk,
# loops over run-time lengths and out-of-line passes (each with its own frame) where the
# bricks' step is one straight-line function.
budget "$m4 run-time 2-3-2 insns/step" "${insns_rt[$m4]:-}" 3700
budget "$m4 run-time 2-10-2 insns/step" "${insns_rt10[$m4]:-}" 9500
budget "$m4 run-time 2-3-2 stack (B)" "${stack_rt[$m4]:-}" 700
# The run-time engine's flash is every layer kind, loss and optimizer at once, and the
# register-tile kernels of layers with widths ≤ 4 (45,582 B on 2026-12-05).
budget "$m4 stacknet flash of the run-time engine's train_step (B)" "${flash_rt[$m4]:-}" 48128
budget "$m4 stacknet flash of int8 from_bytes + predict (B)" "${flash_q8[$m4]:-}" 5120

# --- power cuts while learning on the device (before the mcu-sigmoid rebuild) -----------
declare -A learnhash
for spec in "$m4 200" "thumbv6m-none-eabi 20"; do
  read -r t n <<<"$spec"
  if [ -z "${built[$t]:-}" ]; then fail "$t: power-cut (not built)"; continue; fi
  rc=0
  out=$(timeout 600 bash "$root/scripts/power-cut.sh" "$n" "$t" 2>&1) || rc=$?
  grep '^power-cut ' <<<"$out" | sed 's/^/      /' || true
  line=$(grep '^PASS  power-cut' <<<"$out" || true)
  if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
    echo "$line"
    learnhash[$t]=$(sed -n 's/.* ended with hash \([0-9a-f]\{8\}\)$/\1/p' <<<"$line")
  else
    fail "$t: power-cut $n cuts (status $rc)"
    grep -v '^power-cut ' <<<"$out" | sed 's/^/      /' || true
  fi
done
if [ -n "${learnhash[$m4]:-}" ] && [ "${learnhash[$m4]}" = "${learnhash[thumbv6m-none-eabi]:-}" ]; then
  pass "learn: the same fine-tuned head on $m4 and thumbv6m-none-eabi (hash ${learnhash[$m4]})"
else
  fail "learn: final hash $m4 ${learnhash[$m4]:-none} vs thumbv6m-none-eabi ${learnhash[thumbv6m-none-eabi]:-none}"
fi

# --- feature mcu-sigmoid: same bits across targets, M4F cost ---
# Built last: it overwrites the default ELFs above (only stacknet and firmware recompile).
declare -A fast232 fast2102
declare -A fast_built
for t in "$m4" thumbv6m-none-eabi; do
  if "$xcargo" build --release --locked -q -Zbuild-std=core --target "$t" --bins --features mcu-sigmoid; then
    fast_built[$t]=1
    # shellcheck disable=SC2086
    out=$(timeout 300 ${qemu[$t]} "${semi[@]}" -kernel "target/$t/release/firmware" 2>&1) || true
    fast232[$t]=$(sed -n 's/.*xor 2-3-2 corners 4\/4 .* hash \([0-9a-f]\{8\}\) PASS.*/\1/p' <<<"$out")
    fast2102[$t]=$(sed -n 's/.*xor 2-10-2 corners 4\/4 .* hash \([0-9a-f]\{8\}\) PASS.*/\1/p' <<<"$out")
  fi
done
if cargo build --release --locked -q --bin firmware --features mcu-sigmoid; then
  out=$(target/release/firmware 2>&1) || true
  fast232[x86_64]=$(sed -n 's/.*xor 2-3-2 corners 4\/4 .* hash \([0-9a-f]\{8\}\) PASS.*/\1/p' <<<"$out")
  fast2102[x86_64]=$(sed -n 's/.*xor 2-10-2 corners 4\/4 .* hash \([0-9a-f]\{8\}\) PASS.*/\1/p' <<<"$out")
fi
for t in "$m4" thumbv6m-none-eabi; do
  if [ -n "${fast232[$t]:-}" ] && [ "${fast232[$t]}" = "${fast232[x86_64]:-}" ] && [ "${fast2102[$t]}" = "${fast2102[x86_64]:-}" ]; then
    pass "mcu-sigmoid: XOR learned, hash $t = x86_64 (${fast232[$t]}, ${fast2102[$t]})"
  else
    fail "mcu-sigmoid: hash $t (${fast232[$t]:-none}, ${fast2102[$t]:-none}) vs x86_64 (${fast232[x86_64]:-none}, ${fast2102[x86_64]:-none})"
  fi
done
elf="target/$m4/release/bench"
[ -n "${fast_built[$m4]:-}" ] || rm -f "$elf"  # never measure a stale ELF
out=$(timeout 120 ${qemu[$m4]} "${semi[@]}" -plugin "$plugin,start=$(sym "$elf" bench_start),end=$(sym "$elf" bench_end)" \
  -d plugin -kernel "$elf" 2>&1) || true
w0=$(sed -n 's/^insncount: window 0 = //p' <<<"$out")
w1=$(sed -n 's/^insncount: window 1 = //p' <<<"$out")
w2=$(sed -n 's/^insncount: window 2 = //p' <<<"$out")
if [ -n "$w2" ]; then
  echo "INFO  $m4 mcu-sigmoid: bench 2-3-2 $((w1 - w0)) insns/step, 2-10-2 $((w2 - w0)) insns/step"
else
  fail "$m4 mcu-sigmoid: bench"
fi

echo "embedded-check: $fails failed"
[ "$fails" -eq 0 ]
