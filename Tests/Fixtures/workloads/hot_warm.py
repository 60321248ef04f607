"""The Python workload of the profiler tests: hot() does twice warm()'s work, in a loop.

Usage: python3 hot_warm.py [--ready FILE] [--seconds N] [--ratio R]
  --ready FILE   create FILE once the loop runs (so a test knows when to attach a profiler)
  --seconds N    stop after N seconds (default 60, so a forgotten workload ends by itself)
  --ratio R      hot() does R times warm()'s work instead (default 2)
"""
import argparse
import time

WARM_ITERATIONS = 100000


def hot(ratio):
    s = 0
    for i in range(int(ratio * WARM_ITERATIONS)):
        s += i * i
    return s


def warm():
    s = 0
    for i in range(WARM_ITERATIONS):
        s += i * i
    return s


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ratio", type=float, default=2)
    args = parser.parse_args()
    end = time.time() + args.seconds
    if args.ready:
        open(args.ready, "w").close()
    while time.time() < end:
        hot(args.ratio)
        warm()


main()
