"""A local stand-in for the GitHub REST and GitLab v4 comment APIs, for flame-graph comment's tests.

It answers as the documented APIs do: issue comments / merge request notes listed 2 per page with a
`Link: <...>; rel="next"` header (GitLab also sends X-Next-Page), 201 on create, 200 on update, 401
for a wrong token, 404 for an unknown PR/MR, 422 for a body over 65,536 characters (GitHub's limit),
and — when started with --rate-limit N — 403 with `retry-after: 1` for the first N requests.
Every request is appended to --log as a JSON line (method, path, the auth header's *name* and whether
its value was right — never the value). Prints its port on stdout; 127.0.0.1 only.
"""
import argparse
import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--token", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--rate-limit", type=int, default=0)
parser.add_argument("--seed", default="[]", help="JSON list of existing comment bodies")
args = parser.parse_args()

comments = [{"id": 100 + i, "body": b} for i, b in enumerate(json.loads(args.seed))]
state = {"next_id": 500, "limited": args.rate_limit}
PAGE = 2


class Forge(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, payload=None, headers=None):
        body = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self, method):
        if self.path == "/dump":
            return self.answer(200, comments)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        gitlab = self.path.startswith("/api/v4/")
        header = "PRIVATE-TOKEN" if gitlab else "Authorization"
        given = self.headers.get(header) or self.headers.get("JOB-TOKEN") or ""
        expected = args.token if gitlab else "Bearer " + args.token
        with open(args.log, "a") as log:
            log.write(json.dumps({"method": method, "path": self.path, "auth": header, "auth_ok": given == expected,
                                  "accept": self.headers.get("Accept")}) + "\n")
        if state["limited"] > 0:
            state["limited"] -= 1
            return self.answer(403, {"message": "API rate limit exceeded"}, {"retry-after": "1"})
        if given != expected:
            return self.answer(401, {"message": "Bad credentials"})
        m = re.match(r"^/repos/o/r/issues/(\d+)/comments(\?.*)?$", self.path) or re.match(
            r"^/api/v4/projects/42/merge_requests/(\d+)/notes(\?.*)?$", self.path)
        if m:
            if m.group(1) != "7":
                return self.answer(404, {"message": "Not Found"})
            if method == "GET":
                page = int((re.search(r"[?&]page=(\d+)", self.path) or [0, 1])[1])
                items = comments[(page - 1) * PAGE:page * PAGE]
                headers = {}
                if page * PAGE < len(comments):
                    base = self.path.split("?")[0]
                    headers["Link"] = f'<http://127.0.0.1:{self.server.server_port}{base}?per_page=2&page={page + 1}>; rel="next"'
                    if gitlab:
                        headers["X-Next-Page"] = str(page + 1)
                return self.answer(200, items, headers)
            if method == "POST":
                body = json.loads(raw)["body"]
                if len(body) > 65536:
                    return self.answer(422, {"message": "Validation Failed", "errors": [{"field": "body"}]})
                state["next_id"] += 1
                comments.append({"id": state["next_id"], "body": body})
                return self.answer(201, comments[-1])
        m = re.match(r"^/repos/o/r/issues/comments/(\d+)$", self.path) or re.match(
            r"^/api/v4/projects/42/merge_requests/7/notes/(\d+)$", self.path)
        if m and method in ("PATCH", "PUT"):
            for c in comments:
                if c["id"] == int(m.group(1)):
                    body = json.loads(raw)["body"]
                    if len(body) > 65536:
                        return self.answer(422, {"message": "Validation Failed"})
                    c["body"] = body
                    return self.answer(200, c)
        return self.answer(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")


server = ThreadingHTTPServer(("127.0.0.1", 0), Forge)
print(server.server_port, flush=True)
server.serve_forever()
