"""Second CPU-bound calibration workload for `ci/calibrate`: a request handler unlike workload.py.

decode ~12 %, validate ~17 %, query ~50 % (build_query with a generator ~20 %, execute ~30 %),
serialize ~10 %, audit (hashlib, C code) ~11 %. `SLOW_EXECUTE=1.5` makes execute 50 % slower (its
share grows by ~8–11 percentage points). Sampled by py-spy in its default blocking mode, as
`flame-graph python` runs it.
"""

import hashlib
import os

SLOW = float(os.environ.get("SLOW_EXECUTE", "1.0"))
ROWS = [{"id": i, "name": "user%d" % i, "score": i * 7 % 101} for i in range(200)]


def decode(n):
    acc = 0
    for i in range(n):
        acc += len(str(i * 31))
    return acc


def validate(n):
    d = {}
    for i in range(n):
        d["k%d" % (i % 50)] = i
    return len(d)


def build_query(n):
    return len(",".join("c%d" % i for i in range(n)))


def execute(n):
    total = 0
    for _ in range(int(n * SLOW)):
        for r in ROWS[:20]:
            total += r["score"]
    return total


def query(n):
    return build_query(n * 3) + execute(n)


def serialize(n):
    return sum(len(repr(r)) for r in ROWS[: n // 4])


def audit(n):
    h = hashlib.sha1()
    for i in range(n):
        h.update(b"x%d" % i)
    return h.digest()[0]


def request(n):
    return decode(n * 6) + validate(n * 4) + query(n * 2) + serialize(n * 3) + audit(n * 4)


if __name__ == "__main__":
    while True:
        request(60)
