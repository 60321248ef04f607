"""Generates the benchmark inputs under OUT: realistic, large, deterministic.

big.folded (>= 40 MB): the stacks of a real perf capture (FlameGraph's vert.x collapse) repeated
under many distinct process names, as a host-wide capture looks.
big.perf (>= 150 MB): a real `perf script` capture (the same vert.x one) replicated, each copy with its
own pid, so the collapser sees a long, realistic stream.
"""
import os
import sys

peers, out, what = sys.argv[1], sys.argv[2], sys.argv[3]

def build(path, target, make):
    if os.path.exists(path) and os.path.getsize(path) >= target:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        size, i = 0, 0
        while size < target:
            chunk = make(i)
            f.write(chunk)
            size += len(chunk)
            i += 1
    os.replace(tmp, path)

if what in ("all", "folded"):
    lines = open(os.path.join(peers, "FlameGraph/test/results/perf-vertx-stacks-01-collapsed-all.txt")).read().splitlines()
    def folded(i):
        return "".join(f"java-{i};{l.split(';', 1)[1]}\n" if ";" in l else l + "\n" for l in lines)
    build(os.path.join(out, "big.folded"), 40_000_000, folded)

if what in ("all", "diff"):
    lines = open(os.path.join(peers, "FlameGraph/test/results/perf-vertx-stacks-01-collapsed-all.txt")).read().splitlines()
    def folded_after(i):
        # The same stacks, with every 7th stack's count grown: a realistic "after" capture.
        out = []
        for k, l in enumerate(lines):
            stack, count = l.rsplit(" ", 1)
            if ";" in stack:
                stack = f"java-{i};" + stack.split(";", 1)[1]
            out.append(f"{stack} {int(count) * (3 if k % 7 == 0 else 1)}\n")
        return "".join(out)
    def folded_before(i):
        return "".join(f"java-{i};{l.split(';', 1)[1]}\n" if ";" in l else l + "\n" for l in lines)
    build(os.path.join(out, "big.folded"), 40_000_000, folded_before)
    build(os.path.join(out, "big-after.folded"), 40_000_000, folded_after)

if what in ("all", "store"):
    lines = open(os.path.join(peers, "FlameGraph/test/results/perf-vertx-stacks-01-collapsed-all.txt")).read().splitlines()
    def folded50(i):
        return "".join(f"java-{i};{l.split(';', 1)[1]}\n" if ";" in l else l + "\n" for l in lines)
    build(os.path.join(out, "store50.folded"), 50_000_000, folded50)
    # A 10,000-commit history for `--baseline auto`, written with git fast-import.
    stream = os.path.join(out, "history.fi")
    if not os.path.exists(stream):
        with open(stream, "w") as f:
            for i in range(1, 10_001):
                msg = f"commit {i}"
                f.write(f"commit refs/heads/main\nmark :{i}\ncommitter Bench <bench@example.com> {1_700_000_000 + i} +0000\n")
                f.write(f"data {len(msg)}\n{msg}\n")
                if i > 1:
                    f.write(f"from :{i - 1}\n")
                f.write("\n")

if what in ("all", "perf"):
    text = open(os.path.join(peers, "FlameGraph/test/perf-vertx-stacks-01.txt")).read()
    def perf(i):
        # Give each copy its own pid so stacks stay distinct per process with --include-pid.
        return text.replace(" 3184 ", f" {3184 + i} ")
    build(os.path.join(out, "big.perf"), 150_000_000, perf)
