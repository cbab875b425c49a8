#!/usr/bin/env python3
"""Checks instructions per training step against scripts/step-icount-budgets.tsv.

usage: step-icount-check.py PLATFORM < TABLE
TABLE is the markdown table that scripts/step-icount.sh (PLATFORM x86_64) or
scripts/step-icount-aarch64.sh (aarch64) prints: rows `| tier | config | N | total | per step |`.
Prints one PASS/FAIL line per row that has a budget, and fails if any row is over its budget
or any budget of PLATFORM has no row (a tier or size that silently stopped being measured)."""
import os, sys

platform = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
budgets = {}
for line in open(os.path.join(here, "step-icount-budgets.tsv")):
    if line.startswith("#") or not line.strip():
        continue
    plat, tier, cfg, cap = line.split()
    if plat == platform:
        budgets[(tier, cfg)] = int(cap)
seen, failed = set(), 0
for line in sys.stdin:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) != 5 or not cells[4].isdigit():
        continue
    tier, cfg, per_step = cells[0], cells[1], int(cells[4])
    cap = budgets.get((tier, cfg))
    if cap is None:
        print(f"      {platform} {tier} {cfg}: {per_step:,} instructions/step (no budget)")
        continue
    seen.add((tier, cfg))
    ok = per_step <= cap
    failed += not ok
    print(f"{'PASS' if ok else 'FAIL'}  {platform} {tier} {cfg}: {per_step:,} instructions/step (budget {cap:,})")
for key in sorted(set(budgets) - seen):
    failed += 1
    print(f"FAIL  {platform} {key[0]} {key[1]}: not measured")
print(f"step-icount-check {platform}: {failed} failed")
sys.exit(1 if failed else 0)
