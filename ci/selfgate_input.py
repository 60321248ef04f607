"""Writes the self-gate's input: a large, deterministic folded profile (python3 ci/selfgate_input.py OUT).
Seeded, so every run parses, merges and draws exactly the same stacks."""
import random
import sys

rng = random.Random(20261202)
modules = [f"mod{m}" for m in range(24)]
names = [f"{m}::{verb}_{i}" for m in modules for verb in ("parse", "merge", "render") for i in range(16)]
with open(sys.argv[1], "w") as out:
    for _ in range(120_000):
        depth = rng.randint(4, 28)
        out.write(";".join(rng.choice(names) for _ in range(depth)) + f" {rng.randint(1, 900)}\n")
