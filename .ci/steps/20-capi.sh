#!/usr/bin/env bash
# The C API (capi/): its Rust boundary tests and lints; the staticlib; the cbindgen header
# regenerated and diffed against the committed one, then compiled as C99, C11 and C++11, for
# x86_64 and for 32-bit x86 (-m32, where the handles' alignment is checked); the Rust side
# checked for i686 too; and the XOR example plus the status-code, Adam/AdamW, int8 and
# integrity/lifecycle tests written in C, run on
#   x86_64   (gcc, AddressSanitizer + UndefinedBehaviorSanitizer),
#   aarch64  (aarch64-linux-gnu-gcc, qemu-aarch64),
#   Cortex-M4F firmware (arm-none-eabi-gcc + newlib/rdimon, qemu-system-arm mps2-an386,
#            semihosting; the program's exit status comes back as QEMU's), where
#            firmware/stack.c also measures each call's stack use by painting;
#   Cortex-M0 firmware (soft float, qemu-system-arm microbit: 16 KB of RAM, so only
#            tests/reproducible.c, tests/quant.c and tests/net.c);
# examples/classify.c and tests/net.c drive run-time networks (stacknet_net_*);
# tests/reproducible.c must print the same model hash on all four; tests/integrity.c and
# tests/net.c under valgrind too (no byte of a state left undefined); a link-time check of which exported
# functions can reach the panic handler; and the recipe for linking next to another Rust
# no_std staticlib (capi/second-staticlib-check.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/capi-ci
mkdir -p "$out"
t0=$(date +%s)
section() { printf -- '--- [%4ss] capi: %s\n' "$(($(date +%s) - t0))" "$*"; }
cflags=(-std=c99 -Wall -Wextra -Werror -pedantic -O2 -Icapi/include)
progs=(examples/xor examples/classify tests/status tests/reproducible tests/adam tests/quant tests/integrity tests/net)

section "Rust tests, clippy, fmt"
cargo test -p stacknet-capi
cargo clippy -p stacknet-capi --all-targets -- -D warnings
cargo fmt -p stacknet-capi --check
RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps -p stacknet-capi

section "staticlib for the host (profile capi: release + panic=abort)"
cargo build -p stacknet-capi --profile capi
ls -l target/capi/libstacknet_capi.a

section "header: regenerate with cbindgen and diff"
want_cbindgen=0.29.4
if [ "$(cbindgen --version 2>/dev/null || true)" != "cbindgen $want_cbindgen" ]; then
  cargo install --locked cbindgen --version "$want_cbindgen"
fi
# parse.expand (capi/cbindgen.toml) needs -Zunpretty=expanded: RUSTC_BOOTSTRAP for this command only.
RUSTC_BOOTSTRAP=1 CARGO_EXPAND_TARGET_DIR="$PWD/target/cbindgen-expand" \
  cbindgen -q --config capi/cbindgen.toml --crate stacknet-capi --output "$out/stacknet.h" capi
if ! diff -u capi/include/stacknet.h "$out/stacknet.h"; then
  echo "capi/include/stacknet.h is stale: regenerate it (command in capi/cbindgen.toml)" >&2
  exit 1
fi

section "header compiles warning-free as C99, C11 and C++11, for x86_64 and 32-bit x86"
command -v g++ >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends g++ >/dev/null; }
# Compile-time checks (C99: a negative array size fails): a handle's alignment as a struct
# member (32-bit x86 gives uint64_t only 4 there), its size, the hyperparameters' size.
cat >"$out/header.c" <<'EOF'
#include <stddef.h>
#include "stacknet.h"
struct probe { char c; stacknet_xor_2_3_2_t s; };
typedef char align_ok[offsetof(struct probe, s) == STACKNET_STATE_ALIGN ? 1 : -1];
typedef char size_ok[sizeof(stacknet_xor_2_10_2_t) == STACKNET_XOR_2_10_2_STATE_SIZE ? 1 : -1];
typedef char hyper_ok[sizeof(stacknet_hyper_t) == STACKNET_HYPER_SIZE ? 1 : -1];
struct net_probe { char c; stacknet_net_t n; };
typedef char net_align_ok[offsetof(struct net_probe, n) == STACKNET_STATE_ALIGN ? 1 : -1];
typedef char net_size_ok[sizeof(stacknet_net_t) == STACKNET_NET_SIZE ? 1 : -1];
typedef char layer_ok[sizeof(stacknet_layer_t) == STACKNET_LAYER_SIZE ? 1 : -1];
typedef char config_ok[sizeof(stacknet_net_config_t) == STACKNET_NET_CONFIG_SIZE ? 1 : -1];
int main(void) { return 0; }
EOF
strict=(-Wall -Wextra -Werror -pedantic -Icapi/include)
for std in c99 c11; do
  gcc -std=$std "${strict[@]}" "$out/header.c" -o "$out/header-$std" && "$out/header-$std"
  # -m32 compiles only, freestanding: Debian's 32-bit libc (gcc-multilib) conflicts with the
  # aarch64 cross compiler this step also needs, and the header needs no libc.
  gcc -m32 -ffreestanding -std=$std "${strict[@]}" -c "$out/header.c" -o "$out/header-$std-m32.o"
done
g++ -x c++ -std=c++11 "${strict[@]}" "$out/header.c" -o "$out/header-cxx" && "$out/header-cxx"
g++ -m32 -ffreestanding -x c++ -std=c++11 "${strict[@]}" -c "$out/header.c" -o "$out/header-cxx-m32.o"

section "x86_64: examples/{xor,classify}.c and tests/{status,reproducible,adam,quant,integrity,net}.c under ASan + UBSan"
for p in "${progs[@]}"; do
  exe="$out/x86_64-$(basename "$p")"
  gcc "${cflags[@]}" -g -fsanitize=address,undefined -fno-sanitize-recover=all \
    "capi/$p.c" target/capi/libstacknet_capi.a -Wl,--gc-sections -lm -o "$exe"
  "$exe" | tee "$out/x86_64-$(basename "$p").out"
done

section "x86_64: tests/{integrity,net}.c under valgrind (no byte of a state left undefined)"
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends valgrind >/dev/null; }
for p in integrity net; do
  gcc "${cflags[@]}" -g "capi/tests/$p.c" target/capi/libstacknet_capi.a -Wl,--gc-sections -lm -o "$out/x86_64-$p-vg"
  valgrind -q --error-exitcode=1 "$out/x86_64-$p-vg"
done

section "x86_64: text size of a program on the run-time engine (examples/classify.c) and of one fixed shape (examples/xor.c)"
for p in xor classify; do
  gcc "${cflags[@]}" "capi/examples/$p.c" target/capi/libstacknet_capi.a -Wl,--gc-sections -lm -o "$out/x86_64-$p-size"
  size "$out/x86_64-$p-size"
done

section "link-time panic check (every exported function, x86_64)"
bash capi/panic-check.sh

section "next to another Rust no_std staticlib (the recipe in docs/capi.md)"
bash capi/second-staticlib-check.sh

section "cross toolchains"
bash scripts/setup-cross.sh

section "i686: the Rust side's layout assertions (handle alignment 8) hold on 32-bit x86"
scripts/xcargo check -Zbuild-std=core -p stacknet-capi --profile capi --target i686-unknown-linux-gnu

section "aarch64: staticlib, then run under qemu-aarch64"
scripts/xcargo build -Zbuild-std=core -p stacknet-capi --profile capi --target aarch64-unknown-linux-gnu
for p in "${progs[@]}"; do
  exe="$out/aarch64-$(basename "$p")"
  aarch64-linux-gnu-gcc "${cflags[@]}" "capi/$p.c" \
    target/aarch64-unknown-linux-gnu/capi/libstacknet_capi.a -Wl,--gc-sections -lm -o "$exe"
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$exe" | tee "$out/aarch64-$(basename "$p").out"
done

section "Cortex-M4F: staticlib, firmware with newlib, run in qemu-system-arm"
scripts/xcargo build -Zbuild-std=core -p stacknet-capi --profile capi --target thumbv7em-none-eabihf
for p in "${progs[@]}" firmware/stack; do
  elf="$out/m4f-$(basename "$p").elf"
  arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 "${cflags[@]}" \
    --specs=rdimon.specs -T capi/firmware/mps2.ld -Wl,--gc-sections -Wl,-z,noexecstack \
    "capi/$p.c" capi/firmware/vectors.c target/thumbv7em-none-eabihf/capi/libstacknet_capi.a -lm -o "$elf"
  arm-none-eabi-size "$elf"
  # A hang (e.g. a fault handler loop) is a failure too.
  timeout 300 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -kernel "$elf" | tee "$out/m4f-$(basename "$p").out"
done

section "Cortex-M0: staticlib, the programs that fit the microbit's 16 KB of RAM, in qemu-system-arm"
# The others hold several model states (a 2-10-2 state is 7,136 B) and do not fit.
scripts/xcargo build -Zbuild-std=core -p stacknet-capi --profile capi --target thumbv6m-none-eabi
for p in tests/reproducible tests/quant tests/net; do
  elf="$out/m0-$(basename "$p").elf"
  arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -mfloat-abi=soft "${cflags[@]}" \
    --specs=rdimon.specs -T capi/firmware/microbit.ld -Wl,--gc-sections -Wl,-z,noexecstack \
    "capi/$p.c" capi/firmware/vectors.c target/thumbv6m-none-eabi/capi/libstacknet_capi.a -lm -o "$elf"
  arm-none-eabi-size "$elf"
  timeout 300 qemu-system-arm -cpu cortex-m0 -machine microbit -nographic \
    -semihosting-config enable=on,target=native -kernel "$elf" | tee "$out/m0-$(basename "$p").out"
done

section "Cortex-M4F: every exported function and shape in one image"
{
  echo '#include <stdio.h>'
  echo '#include "stacknet.h"'
  echo 'typedef void (*any_fn)(void);'
  echo 'static any_fn const fns[] = {'
  grep -oE '^stacknet_status_t stacknet_[a-z0-9_]+\(' capi/include/stacknet.h | sed -E 's/^stacknet_status_t (.*)\($/    (any_fn)\1,/'
  echo '};'
  echo 'int main(void) {'
  echo '    any_fn const *volatile t = fns; /* keeps every function */'
  echo '    unsigned i, n = 0;'
  echo '    for (i = 0; i < sizeof fns / sizeof fns[0]; i++) n += t[i] != 0;'
  echo '    printf("%u functions linked\n", n);'
  echo '    return n == sizeof fns / sizeof fns[0] ? 0 : 1;'
  echo '}'
} >"$out/all_functions.c"
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 "${cflags[@]}" \
  --specs=rdimon.specs -T capi/firmware/mps2.ld -Wl,--gc-sections -Wl,-z,noexecstack \
  "$out/all_functions.c" capi/firmware/vectors.c target/thumbv7em-none-eabihf/capi/libstacknet_capi.a -lm \
  -o "$out/m4f-all_functions.elf"
arm-none-eabi-size "$out/m4f-all_functions.elf"
timeout 60 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
  -semihosting-config enable=on,target=native -kernel "$out/m4f-all_functions.elf"

section "scalar tier: the same model, bit for bit, on all four targets"
cat "$out"/{x86_64,aarch64,m4f,m0}-reproducible.out
if [ "$(cat "$out"/{x86_64,aarch64,m4f,m0}-reproducible.out | sort -u | wc -l)" -ne 1 ]; then
  echo "the scalar-tier model differs between targets" >&2
  exit 1
fi

section "done"
