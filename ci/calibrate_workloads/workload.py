"""CPU-bound calibration workload for `ci/calibrate` (not the demo's).

A request loop whose functions take fixed shares of the CPU: tokenize ~30 %, transform ~25 %,
render ~20 %, checksum ~15 %, compress ~10 %, nested so callers and callees move together.
`SLOW_TOKENIZE=1.5` makes tokenize 50 % slower (its share grows by ~9 percentage points).
"""

import os

SLOW = float(os.environ.get("SLOW_TOKENIZE", "1.0"))


def spin(n):
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) & 0xFFFF
    return acc


def tokenize(n):
    return spin(int(n * SLOW))


def parse(n):
    return tokenize(n * 30) + spin(n * 2)


def transform(n):
    return spin(n * 25)


def format_row(n):
    return spin(n * 20)


def render(n):
    return format_row(n)


def checksum(n):
    return spin(n * 15)


def compress(n):
    return spin(n * 8)


def handle(n):
    return parse(n) + transform(n) + render(n) + checksum(n) + compress(n)


def main():
    total = 0
    while True:
        total ^= handle(40)


if __name__ == "__main__":
    main()
