#!/usr/bin/env bash
# Power cuts in QEMU for the `learn` firmware (examples/firmware/src/bin/learn.rs), which
# fine-tunes the digits head on the chip and checkpoints it every 10 steps into an A/B
# checkpoint::Store over a flash file on the host (learn-flash.bin, semihosting).
#
#   bash scripts/power-cut.sh [CUTS] [TARGET]      (defaults: 200, thumbv7em-none-eabihf;
#                                                   also thumbv6m-none-eabi)
#
# 1. One uninterrupted run on a blank flash gives the reference: every checkpoint's
#    (seq, step, hash), the final hash, the total instruction count and where each save
#    runs (the insncount plugin's marks=1 around the firmware's save).
# 2. CUTS runs, each on a blank flash, are killed by the plugin's cut=N after N guest
#    instructions (half uniform over the whole run, half inside the saves, fixed seed);
#    each is followed by a normal boot, which must resume from the last checkpoint whose
#    "saved" line the cut run printed, or from the one being written if its write had
#    completed (seq one more), with the reference (step, hash) of that seq, and must end
#    with the reference final hash (bit-identical to the uninterrupted run) and PASS.
# 3. CUTS/4 chains: a cut run, then the resumed run cut too, then a clean boot: the same
#    checks against the newest checkpoint either run printed (saved or resumed from).
# Prints the counts; exits 1 if any cut was lost, corrupt or ended with other bits.
set -euo pipefail
cuts=${1:-200}
t=${2:-thumbv7em-none-eabihf}
seed=20261204
root=$(cd "$(dirname "$0")/.." && pwd)
fw="$root/examples/firmware"
plugin="$root/target/qemu-plugin/libinsncount.so"
case "$t" in
  thumbv7em-none-eabihf) qemu=(qemu-system-arm -cpu cortex-m4 -machine mps2-an386) ;;
  thumbv6m-none-eabi) qemu=(qemu-system-arm -cpu cortex-m0 -machine microbit) ;;
  *) echo "power-cut: unsupported target $t"; exit 2 ;;
esac
qemu+=(-nographic -semihosting-config enable=on,target=native)
[ -f "$plugin" ] || { echo "power-cut: $plugin missing (bash scripts/setup-cross.sh)"; exit 2; }
(cd "$fw" && "$root/scripts/xcargo" build --release --locked -q -Zbuild-std=core --target "$t" --bins)
elf="$fw/target/$t/release/learn"
sym() { llvm-nm "$elf" | awk -v s="$1" '$3==s {print "0x"$1}'; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"   # learn-flash.bin lives here

# --- 1. the reference run ------------------------------------------------------------
rc=0
timeout 120 "${qemu[@]}" -plugin "$plugin,start=$(sym bench_start),end=$(sym bench_end),marks=1" -d plugin \
  -kernel "$elf" >ref.out 2>ref.err || rc=$?
if [ "$rc" -ne 0 ] || [ "$(tail -n1 ref.out)" != PASS ] || ! grep -q '^fresh start$' ref.out; then
  echo "FAIL  power-cut $t: the uninterrupted run (status $rc)"; cat ref.out ref.err; exit 1
fi
declare -A ref_step ref_hash
while read -r s step h; do ref_step[$s]=$step; ref_hash[$s]=$h; done \
  < <(sed -n 's/^checkpoint seq \([0-9]*\) step \([0-9]*\) hash \([0-9a-f]*\) saved$/\1 \2 \3/p' ref.out)
final=$(sed -n 's/^final step [0-9]* hash \([0-9a-f]*\).*/\1/p' ref.out)
total=$(sed -n 's/^insncount: total=//p' ref.err)
starts=$(sed -n 's/^insncount: start at //p' ref.err | tr '\n' ' ')
ends=$(sed -n 's/^insncount: end at //p' ref.err | tr '\n' ' ')
nck=${#ref_hash[@]}
if [ "$nck" -eq 0 ] || [ -z "$final" ] || [ -z "$total" ] || [ "$(wc -w <<<"$starts")" -ne "$nck" ]; then
  echo "FAIL  power-cut $t: reference run incomplete ($nck checkpoints, final '$final', total '$total')"; exit 1
fi
echo "power-cut $t: reference: $nck checkpoints, final hash $final, $total instructions, $(sed -n 's/^held-out accuracy before \(.*\)/held-out \1/p' ref.out)"
# A finished flash boots into "resumed from the last checkpoint" and the same final hash.
out=$(timeout 60 "${qemu[@]}" -kernel "$elf" 2>&1) || true
last=$((nck - 1))
if ! grep -q "^resumed from checkpoint seq $last at step ${ref_step[$last]}, hash ${ref_hash[$last]}$" <<<"$out" \
  || ! grep -q "^final step .* hash $final " <<<"$out"; then
  echo "FAIL  power-cut $t: a reboot after the finished run"; echo "$out"; exit 1
fi

# --- 2. the cuts ---------------------------------------------------------------------
# Half uniform over the run, half inside a save window (start..end of a random save).
mapfile -t points < <(python3 - "$cuts" "$seed" "$total" "$starts" "$ends" <<'EOF'
import random, sys
cuts, seed, total = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
starts = [int(v) for v in sys.argv[4].split()]
ends = [int(v) for v in sys.argv[5].split()]
rng = random.Random(seed)
for i in range(cuts):
    if i % 2 == 0:
        print(rng.randrange(1, total))
    else:
        w = rng.randrange(len(starts))
        print(rng.randrange(starts[w], ends[w] + 1))
EOF
)
n=0 from_last=0 in_flight=0 fresh=0 lost=0 ahead=0 corrupt=0 mismatch=0 in_save=0 bad=0
read -ra sa <<<"$starts"
read -ra ea <<<"$ends"

# The newest checkpoint a run's output proves complete: its last "saved" line, or the
# checkpoint it resumed from; -1 for none. $1 = output, $2 = the value before this run.
known_after() {
  local k
  k=$(sed -n -e 's/^checkpoint seq \([0-9]*\) step .* saved$/\1/p' -e 's/^resumed from checkpoint seq \([0-9]*\) .*/\1/p' <<<"$1" | tail -n1)
  echo "${k:-$2}"
}

# Runs the firmware with cut=$1; returns 1 (and counts a failure) unless the cut happened.
# Its output is left in cut.out.
cut_run() {
  local rc=0
  timeout 60 "${qemu[@]}" -plugin "$plugin,cut=$1" -d plugin -kernel "$elf" >cut.out 2>cut.err || rc=$?
  if [ "$rc" -ne 99 ] || ! grep -q "^insncount: power cut after" cut.err; then
    echo "  cut at $1: the run was not cut (status $rc)"; bad=$((bad + 1)); return 1
  fi
}

# Boots without a cut after the newest proven checkpoint was $1; classifies the resume
# and checks the hashes. $2 = a label for the log.
check_boot() {
  local known=$1 label=$2 rc=0 out line s step h what=""
  out=$(timeout 60 "${qemu[@]}" -kernel "$elf" 2>&1) || rc=$?
  line=$(sed -n 's/^resumed from checkpoint seq \([0-9]*\) at step \([0-9]*\), hash \([0-9a-f]*\)$/\1 \2 \3/p' <<<"$out")
  if [ -n "$line" ]; then
    read -r s step h <<<"$line"
    if [ "$s" -eq "$known" ]; then from_last=$((from_last + 1))
    elif [ "$s" -eq $((known + 1)) ]; then in_flight=$((in_flight + 1))
    elif [ "$s" -lt "$known" ]; then lost=$((lost + 1)); what="lost: resumed seq $s, printed $known"
    else ahead=$((ahead + 1)); what="ahead: resumed seq $s, printed $known"
    fi
    if [ "${ref_hash[$s]:-x}" != "$h" ] || [ "${ref_step[$s]:-x}" != "$step" ]; then
      corrupt=$((corrupt + 1)); what="$what corrupt: seq $s step $step hash $h"
    fi
  elif grep -q '^fresh start$' <<<"$out"; then
    if [ "$known" -eq -1 ]; then fresh=$((fresh + 1)); else lost=$((lost + 1)); what="lost: fresh start, printed $known"; fi
  else
    bad=$((bad + 1)); what="no resume line"
  fi
  if [ "$rc" -ne 0 ] || [ "$(tail -n1 <<<"$out")" != PASS ] || ! grep -q "^final step .* hash $final " <<<"$out"; then
    mismatch=$((mismatch + 1)); what="$what final: status $rc, $(grep '^final' <<<"$out" || echo none)"
  fi
  if [ -n "$what" ]; then echo "  $label: $what"; fi
}

# 2a. One cut per blank flash, then a clean boot.
for cut in "${points[@]}"; do
  n=$((n + 1))
  for i in "${!sa[@]}"; do
    if [ "$cut" -ge "${sa[$i]}" ] && [ "$cut" -lt "${ea[$i]}" ]; then in_save=$((in_save + 1)); break; fi
  done
  rm -f learn-flash.bin
  cut_run "$cut" || continue
  check_boot "$(known_after "$(cat cut.out)" -1)" "cut $n at $cut"
done

# 2b. Chains: cut, boot and cut the resumed run (its saves go to the other slot), boot.
# The second cut is drawn from the whole run's length; a resumed run shorter than it
# finishes (status 0) and the chain is still checked. CUTS/4 chains.
chains=$((cuts / 4)) chained=0
mapfile -t pairs < <(python3 - "$chains" "$seed" "$total" <<'EOF2'
import random, sys
chains, seed, total = int(sys.argv[1]), int(sys.argv[2]) + 1, int(sys.argv[3])
rng = random.Random(seed)
for _ in range(chains):
    print(rng.randrange(1, total), rng.randrange(1, total))
EOF2
)
for pair in "${pairs[@]}"; do
  read -r c1 c2 <<<"$pair"
  rm -f learn-flash.bin
  cut_run "$c1" || continue
  known=$(known_after "$(cat cut.out)" -1)
  rc=0
  timeout 60 "${qemu[@]}" -plugin "$plugin,cut=$c2" -d plugin -kernel "$elf" >cut.out 2>cut.err || rc=$?
  if [ "$rc" -ne 99 ] && [ "$rc" -ne 0 ]; then
    echo "  chain $c1, $c2: the second run failed (status $rc)"; bad=$((bad + 1)); continue
  fi
  [ "$rc" -eq 99 ] && chained=$((chained + 1))
  n=$((n + 1))
  known=$(known_after "$(cat cut.out)" "$known")
  check_boot "$known" "chain $c1 then $c2"
done
echo "power-cut $t: $n cut runs checked ($cuts single cuts, $in_save inside a save; $chains chains, $chained with both runs cut): resumed from the last printed checkpoint $from_last, from the one in flight $in_flight, fresh starts $fresh; lost $lost, ahead $ahead, corrupt $corrupt, final-hash mismatches $mismatch, other failures $bad"
if [ $((lost + ahead + corrupt + mismatch + bad)) -eq 0 ] && [ "$n" -eq $((cuts + chains)) ] && [ "$n" -gt 0 ]; then
  echo "PASS  power-cut $t: $cuts cuts + $chains chains, every reboot resumed from the newest complete checkpoint and ended with hash $final"
else
  echo "FAIL  power-cut $t"
  exit 1
fi
