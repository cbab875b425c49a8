#!/usr/bin/env bash
# Link-time panic check (x86_64 host). Builds the staticlib with feature `panic-check`,
# whose panic handler calls a symbol nobody defines. Then, for each function in the header,
# it links a C program that keeps only that function, with --gc-sections. If the link fails,
# the optimised code of that function still holds a path to the panic handler.
#
# The API validates every dimension before it calls a kernel, so these paths are never taken
# (capi/tests shows this for every bad argument). Some paths do stay in the code: they are
# bounds checks the compiler could not remove, mostly in the core's scalar kernels.
# capi/panic-paths.txt lists the functions that still have such a path. The list is a ratchet:
# - a function with a path that is not on the list fails the check;
# - a function on the list that no longer has a path is reported, so it can be dropped from
#   the list.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/capi-ci/panic-check
mkdir -p "$out"
cargo build -q -p stacknet-capi --profile capi --features panic-check --target-dir target/panic-check
lib=target/panic-check/capi/libstacknet_capi.a
fns=$(grep -oE '^stacknet_status_t stacknet_[a-z0-9_]+\(' capi/include/stacknet.h | sed -E 's/^stacknet_status_t //; s/\($//')
: >"$out/found.txt"
for f in $fns; do
  printf '#include "stacknet.h"\ntypedef void (*any_fn)(void);\nint main(void) { any_fn volatile p = (any_fn)%s; return p == 0; }\n' "$f" >"$out/one.c"
  if ! gcc -std=c99 -Icapi/include "$out/one.c" "$lib" -Wl,--gc-sections -lm -o "$out/one" 2>"$out/link.log"; then
    grep -q stacknet_capi_a_panic_is_reachable "$out/link.log" || { cat "$out/link.log"; exit 1; }
    echo "$f" >>"$out/found.txt"
  fi
done
total=$(echo "$fns" | wc -w)
with=$(wc -l <"$out/found.txt")
echo "panic check: $((total - with)) of $total functions proven panic-free at link time; $with keep a (validated-away) panic path"
new=$(comm -23 <(sort "$out/found.txt") <(grep -v '^#' capi/panic-paths.txt | sort) || true)
gone=$(comm -13 <(sort "$out/found.txt") <(grep -v '^#' capi/panic-paths.txt | sort) || true)
if [ -n "$gone" ]; then
  echo "panic check: now panic-free, remove from capi/panic-paths.txt:"
  echo "$gone" | sed 's/^/  /'
fi
if [ -n "$new" ]; then
  echo "panic check: FAIL: these functions gained a path to the panic handler:" >&2
  echo "$new" | sed 's/^/  /' >&2
  exit 1
fi
