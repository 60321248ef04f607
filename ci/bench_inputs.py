"""Scales a real capture into the benchmark inputs, the way a user with a bigger machine would get them.

    bench_inputs.py perf BASE.perf OUT.perf BYTES
        Writes the samples of BASE.perf (real `perf script` text) until OUT holds at least BYTES. When the
        capture is shorter, later rounds rename the process (`worker-N`), as a host-wide capture of many
        copies of the program looks, so the stacks stay distinct after collapsing.
    bench_inputs.py folded BASE.folded OUT.folded BYTES
        The same for folded stacks: each later round renames the first (process) frame.
    bench_inputs.py after BASE.folded OUT.folded
        A plausible "after" capture for the diff benchmark: every 7th stack's count tripled.
    bench_inputs.py history OUT.fi COMMITS
        A linear git history (git fast-import stream) for the baseline-lookup benchmark.
"""
import sys


def samples(path):
    """The samples of a `perf script` text, each with its blank line, as bytes."""
    with open(path, "rb") as f:
        chunk = []
        for line in f:
            chunk.append(line)
            if line.strip() == b"":
                if len(chunk) > 1:
                    yield b"".join(chunk)
                chunk = []
        if len(chunk) > 0 and any(l.strip() for l in chunk):
            yield b"".join(chunk) + b"\n"


def rename_process(sample, name):
    """Replaces the comm (the header's first word) of one sample."""
    head, rest = sample.split(b"\n", 1)
    stripped = head.lstrip()
    comm_end = stripped.find(b" ")
    return name + stripped[comm_end:] + b"\n" + rest


def scale(units, out_path, target, rename):
    units = list(units)
    if not units:
        sys.exit(f"bench_inputs: no data to scale into {out_path}")
    size, round_ = 0, 0
    with open(out_path + ".tmp", "wb") as out:
        while size < target:
            for unit in units:
                text = unit if round_ == 0 else rename(unit, f"worker-{round_}".encode())
                out.write(text)
                size += len(text)
                if size >= target:
                    break
            round_ += 1
    import os
    os.replace(out_path + ".tmp", out_path)


def folded_lines(path):
    with open(path, "rb") as f:
        return [l for l in f if l.strip()]


def rename_root(line, name):
    semi = line.find(b";")
    return name + line[semi:] if semi >= 0 else line


def main():
    mode = sys.argv[1]
    if mode == "perf":
        scale(samples(sys.argv[2]), sys.argv[3], int(sys.argv[4]), rename_process)
    elif mode == "folded":
        scale(folded_lines(sys.argv[2]), sys.argv[3], int(sys.argv[4]), rename_root)
    elif mode == "after":
        with open(sys.argv[3], "wb") as out:
            for k, line in enumerate(folded_lines(sys.argv[2])):
                stack, count = line.rstrip(b"\n").rsplit(b" ", 1)
                grown = int(count) * (3 if k % 7 == 0 else 1)
                out.write(stack + b" " + str(grown).encode() + b"\n")
    elif mode == "history":
        with open(sys.argv[2], "w") as f:
            for i in range(1, int(sys.argv[3]) + 1):
                msg = f"commit {i}"
                f.write(f"commit refs/heads/main\nmark :{i}\n")
                f.write(f"committer Bench <bench@example.com> {1_700_000_000 + i} +0000\n")
                f.write(f"data {len(msg)}\n{msg}\n")
                if i > 1:
                    f.write(f"from :{i - 1}\n")
                f.write("\n")
    else:
        sys.exit(f"bench_inputs: unknown mode {mode}")


main()
