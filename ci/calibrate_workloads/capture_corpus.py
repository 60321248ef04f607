"""Captures the calibration corpus once (used by `ci/calibrate`): real py-spy and perf captures of the
workloads here, A (as written) and B (one function 50 % slower), with and without a CPU-hog neighbour
pinned to core 0. Each session is one process sampled in ROUNDS back-to-back rounds of SECONDS at 100 Hz;
py-spy rounds are saved as folded stacks (`raw`), perf rounds as `perf script` text.

Tools: `pyspy` (workload.py, py-spy --nonblocking), `perf` (workload.c), `requests` (requests.py,
py-spy in its default blocking mode, as `flame-graph python` runs it).

Layout: OUT/{pyspy,perf,requests}/{quiet,hog}/{A,B}/sNN/rK.{folded,perf}
"""

import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SLOWDOWN = "1.5"
# perf samples CPU time (cpu-clock): on a loaded 2-core machine a 100 Hz round sees ~30 samples, so
# perf rounds sample at 1 kHz; py-spy samples wall-clock time at 100 Hz.
PERF_HZ = "1000"


def start_workload(tool, variant, build):
    env = dict(os.environ)
    if tool == "requests":
        env["SLOW_EXECUTE"] = SLOWDOWN if variant == "B" else "1.0"
        return subprocess.Popen([sys.executable, os.path.join(HERE, "requests.py")], env=env)
    if tool == "pyspy":
        env["SLOW_TOKENIZE"] = SLOWDOWN if variant == "B" else "1.0"
        return subprocess.Popen([sys.executable, os.path.join(HERE, "workload.py")], env=env)
    return subprocess.Popen([build, SLOWDOWN if variant == "B" else "1.0"])


def capture_round(tool, pid, seconds, path):
    if tool in ("pyspy", "requests"):
        mode = ["--nonblocking"] if tool == "pyspy" else []
        subprocess.run(
            ["py-spy", "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100",
             "--format", "raw", "-o", path] + mode,
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        data = path + ".data"
        subprocess.run(
            ["perf", "record", "-F", PERF_HZ, "-g", "-p", str(pid), "-o", data, "--", "sleep", str(seconds)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(path, "w") as f:
            subprocess.run(["perf", "script", "-i", data], check=True, stdout=f, stderr=subprocess.DEVNULL)
        os.remove(data)


def main():
    out, tools, sessions_a, sessions_b, rounds, seconds = (
        sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    os.makedirs(out, exist_ok=True)
    build = os.path.join(out, "workload-c")
    subprocess.run(["gcc", "-O1", "-fno-omit-frame-pointer", "-fno-inline", "-o", build,
                    os.path.join(HERE, "workload.c")], check=True)
    for tool in tools:
        for cond in ("quiet", "hog"):
            hog = None
            if cond == "hog":
                hog = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", "while True: pass"])
            try:
                plan = []
                for i in range(max(sessions_a, sessions_b)):
                    if i < sessions_a:
                        plan.append(("A", i))
                    if i < sessions_b:
                        plan.append(("B", i))
                for variant, i in plan:
                    d = os.path.join(out, tool, cond, variant, "s%02d" % i)
                    ext = "perf" if tool == "perf" else "folded"
                    if os.path.exists(os.path.join(d, "r%d.%s" % (rounds - 1, ext))):
                        continue
                    os.makedirs(d, exist_ok=True)
                    proc = start_workload(tool, variant, build)
                    try:
                        time.sleep(1.0)  # past start-up: rounds see the steady state
                        for r in range(rounds):
                            capture_round(tool, proc.pid, seconds, os.path.join(d, "r%d.%s" % (r, ext)))
                    finally:
                        proc.send_signal(signal.SIGKILL)
                        proc.wait()
                    print("captured", tool, cond, variant, i, flush=True)
            finally:
                if hog:
                    hog.kill()
                    hog.wait()


if __name__ == "__main__":
    main()
