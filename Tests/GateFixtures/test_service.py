"""A configurable HTTP/1.1 service for the gate's tests (127.0.0.1 only).

  --port P            listen there (0: pick one and print it on stdout)
  --fail-ratio R      answer 500 to that share of /work requests (deterministic: every k-th)
  --keep-alive        HTTP/1.1 with keep-alive (default: HTTP/1.0, one request per connection)
  --boot-delay S      sleep S seconds before listening (to test readiness timeouts)
  --crash             print a message and exit 3 at once
GET /stats answers {"connections": N, "requests": M} so tests can see keep-alive at work.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("--fail-ratio", type=float, default=0)
p.add_argument("--keep-alive", action="store_true")
p.add_argument("--boot-delay", type=float, default=0)
p.add_argument("--crash", action="store_true")
p.add_argument("--tag", default="", help="ignored: lets tests find their processes")
a = p.parse_args()
print("test service booting", flush=True)
if a.crash:
    print("fatal: cannot open the database", flush=True)
    sys.exit(3)
time.sleep(a.boot_delay)
lock = threading.Lock()
stats = {"connections": 0, "requests": 0}


def work():
    total = 0
    for i in range(20000):
        total = (total * 31 + i) % 1000003
    return total


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1" if a.keep_alive else "HTTP/1.0"

    def setup(self):
        super().setup()
        with lock:
            stats["connections"] += 1

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.respond()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.respond()

    def respond(self):
        status = 200
        if self.path == "/stats":
            body = json.dumps(stats).encode()
        elif self.path.startswith("/health"):
            body = b"ok\n"
        else:
            with lock:
                stats["requests"] += 1
                n = stats["requests"]
            every = int(round(1 / a.fail_ratio)) if a.fail_ratio > 0 else 0
            status = 500 if every and n % every == 0 else 200
            body = f"{work()}\n".encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", a.port), H)
print(server.server_port, flush=True)
server.serve_forever()
