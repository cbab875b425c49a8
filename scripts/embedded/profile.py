#!/usr/bin/env python3
"""Per-function instruction counts from the QEMU plugin's `prof=FILE` output.

usage: profile.py ELF PROF [TOP] [--inline [--lines]]
Reads the function symbols of ELF with `llvm-nm -S -C` (any ELF: Arm, RISC-V) and adds
up the "pc count" lines of PROF per function; prints count, share and name, largest
first, then the total. With --inline, each pc is charged instead to the innermost
(possibly inlined) function that the debug info names for it (`llvm-addr2line -i`), with
its source line, which shows what inside an inlined `train_step` costs what."""
import bisect, subprocess, sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
inline = "--inline" in sys.argv
elf, prof = args[0], args[1]
top = int(args[2]) if len(args) > 2 else 30
syms = []
out = subprocess.run(["llvm-nm", "-S", "-C", "--defined-only", elf], capture_output=True, text=True, check=True).stdout
for line in out.splitlines():
    parts = line.split(None, 3)
    if len(parts) == 4 and parts[2] in "tTwW":
        addr, size = int(parts[0], 16) & ~1, int(parts[1], 16)
        syms.append((addr, size, parts[3]))
syms.sort()
starts = [s[0] for s in syms]
rows = [(int(pc, 16), int(n)) for pc, n in (line.split() for line in open(prof))]
where = {}
if inline:
    q = "\n".join(hex(pc) for pc, _ in rows)
    # binutils' addr2line for Arm: llvm-addr2line 14 misreads the DWARF 5 of rustc 1.96's LLVM.
    tool = "arm-none-eabi-addr2line" if open(elf, "rb").read(20)[18] == 40 else "llvm-addr2line"
    out = subprocess.run([tool, "-i", "-f", "-C", "-s", "-a", "-e", elf], input=q,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    chains, cur = {}, None
    for line in out:
        if line.startswith("0x"):
            cur = int(line, 16)
            chains[cur] = []
        else:
            chains[cur].append(line)
    for pc, lines in chains.items():
        frames = list(zip(lines[0::2], lines[1::2]))  # (function, file:line), innermost first
        # Charge the pc to the innermost frame that is project or libm code, not core's
        # iterator plumbing, so "what kernel or step part" is visible.
        own = [f for f in frames if not f[0].startswith(("core::", "<core::", "<f32", "<usize", "<u32",
                                                          "<*", "<[", "<&", "<u8", "<i32", "??"))]
        fn, loc = (own or frames or [("??", "??")])[0]
        where[pc] = f"{fn} ({loc.split(' ')[0]})" if "--lines" in sys.argv else fn
counts, total = {}, 0
for pc, n in rows:
    total += n
    i = bisect.bisect_right(starts, pc) - 1
    name = syms[i][2] if i >= 0 and pc < syms[i][0] + max(syms[i][1], 1) else hex(pc)
    if inline:
        name = where.get(pc, name)
    counts[name] = counts.get(name, 0) + n
for name, n in sorted(counts.items(), key=lambda kv: -kv[1])[:top]:
    print(f"{n:8d} {100.0 * n / max(total, 1):5.1f}%  {name}")
print(f"{total:8d} total")
