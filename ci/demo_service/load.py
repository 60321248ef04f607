"""Puts the demo service under steady load: a few client threads request /work in a loop for a fixed
time, bounded in count and time, loopback only."""
import argparse
import threading
import time
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--url", default="http://127.0.0.1:8000/work")
parser.add_argument("--duration", type=float, default=10)
parser.add_argument("--clients", type=int, default=2)
parser.add_argument("--max-requests", type=int, default=200_000)
args = parser.parse_args()
assert args.url.startswith("http://127.") or args.url.startswith("http://localhost"), "loopback only"

deadline = time.monotonic() + args.duration
count = [0]
lock = threading.Lock()


def client():
    while time.monotonic() < deadline:
        with lock:
            if count[0] >= args.max_requests:
                return
            count[0] += 1
        try:
            urllib.request.urlopen(args.url, timeout=5).read()
        except OSError:
            time.sleep(0.05)


threads = [threading.Thread(target=client) for _ in range(args.clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"load: {count[0]} requests in {args.duration:.0f} s")
