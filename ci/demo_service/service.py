"""A small HTTP service for the flame-graph demo: each request parses, transforms and checksums a
document, so its CPU time splits across a few named functions. CHECKSUM_ROUNDS sets how much work
`checksum` does — the demo's "change" raises it to make that one function measurably slower."""
import argparse
import hashlib
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHECKSUM_ROUNDS = 2

DOCUMENT = json.dumps({"items": [{"id": i, "name": f"item-{i}", "tags": ["a", "b", "c"]} for i in range(60)]})


def parse(text):
    return json.loads(text)


def transform(doc):
    items = sorted(doc["items"], key=lambda item: item["name"], reverse=True)
    return [{"key": item["id"] * 7 % 13, "label": item["name"].upper()} for item in items]


def render(rows):
    return "\n".join(f"{row['key']:>4} {row['label']}" for row in rows)


def checksum(text):
    digest = text.encode()
    for _ in range(CHECKSUM_ROUNDS * 150):
        digest = hashlib.sha256(digest).digest()
    total = 0
    for _ in range(CHECKSUM_ROUNDS * 3):
        for ch in text:
            total = (total * 31 + ord(ch)) % 1_000_003
    return total


def handle():
    rows = transform(parse(DOCUMENT))
    body = render(rows)
    return f"{checksum(body)}\n{body[:80]}\n"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/health"):
            payload = b"ok\n"
        else:
            payload = handle().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
