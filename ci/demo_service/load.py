"""Puts the demo service under steady load: a few client threads request /work for a fixed time,
bounded in count and time, loopback only. By default each client sends its next request as soon as the
last one is answered (the service is kept busy, so a profile has many samples of request handling);
--rate R paces all clients together to R requests per second instead."""
import argparse
import threading
import time
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--url", default="http://127.0.0.1:8000/work")
parser.add_argument("--duration", type=float, default=10)
parser.add_argument("--rate", type=float, default=0, help="requests per second, all clients together (0: closed loop)")
parser.add_argument("--clients", type=int, default=2)
parser.add_argument("--max-requests", type=int, default=200_000)
args = parser.parse_args()
assert args.url.startswith("http://127.") or args.url.startswith("http://localhost"), "loopback only"

start = time.monotonic()
deadline = start + args.duration
interval = args.clients / args.rate if args.rate > 0 else 0.0
count = [0]
late = [0]
lock = threading.Lock()


def client(index):
    # Each client owns every clients-th slot of the schedule.
    slot = start + index * interval / args.clients
    while True:
        now = time.monotonic()
        if slot >= deadline:
            return
        if now >= deadline:
            return
        if slot > now:
            time.sleep(slot - now)
        elif interval > 0 and now - slot > interval:
            with lock:
                late[0] += 1
        with lock:
            if count[0] >= args.max_requests:
                return
            count[0] += 1
        try:
            urllib.request.urlopen(args.url, timeout=5).read()
        except OSError:
            pass
        slot += interval


threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
pace = f"at {args.rate:.0f}/s ({late[0]} late)" if args.rate > 0 else "closed loop"
print(f"load: {count[0]} requests in {args.duration:.0f} s, {pace}")
