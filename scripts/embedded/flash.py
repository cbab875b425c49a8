#!/usr/bin/env python3
"""Flash of one train_step, split by owner: the probe ELF against the baseline ELF.

usage: flash.py BASE_ELF PROBE_ELF
Every function and constant of each ELF is given an owner by its demangled name:
- stacknet: `stacknet::…` items, and `firmware::flash_probe` (the function that calls
  `train_step`, into which LTO inlines most of stacknet);
- libm (`expf`, …), builtins (compiler_builtins and `__aeabi_*`/`__*` helpers: memcpy,
  soft float), panic (the panic handler, `core::panicking`, `core::fmt`, the bounds-check
  failure paths: present only if some bounds check could not be proved away);
- anonymous constants (`.Lanon.*`: tables such as CRC-32's 1 KiB, panic locations) belong
  to stacknet: LTO names them after no function, and they come with the code the probe adds
  (a panic location never comes alone, so the panic owner still shows any panic path);
- other: startup, printing, the probe's `main` (the same program in both ELFs).
Prints the growth of each owner from BASE_ELF to PROBE_ELF, one line
`stacknet=N libm=N builtins=N panic=N other=N`, in bytes of .text + .rodata. Growth is
counted per owner, so a printing helper that one ELF inlines and the other does not (tens
of bytes of `other`) does not blur the stacknet figure."""
import subprocess, sys


def symbols(elf):
    out = subprocess.run(["llvm-nm", "-S", "-C", "--defined-only", elf], capture_output=True, text=True, check=True)
    syms = {}
    for line in out.stdout.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[2] in "tTrRwW":
            syms[parts[3]] = syms.get(parts[3], 0) + int(parts[1], 16)
    return syms


def owner(name):
    if "stacknet::" in name or name.startswith("firmware::flash_probe") or name.startswith(".Lanon"):
        return "stacknet"
    if name.startswith("libm::"):
        return "libm"
    if any(k in name for k in ("panic", "core::fmt", "Display>::fmt", "Debug>::fmt", "slice_index_fail", "rust_begin_unwind", "slice_end_index", "slice_start_index")):
        return "panic"
    if name.startswith("compiler_builtins::") or name.startswith("__"):
        return "builtins"
    return "other"


def by_owner(elf):
    split = {"stacknet": 0, "libm": 0, "builtins": 0, "panic": 0, "other": 0}
    for name, size in symbols(elf).items():
        split[owner(name)] += size
    return split


base, probe = by_owner(sys.argv[1]), by_owner(sys.argv[2])
print(" ".join(f"{k}={probe[k] - base[k]}" for k in probe))
