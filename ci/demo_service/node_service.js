// A small Node HTTP service for the flame-graph demo: /work renders and hashes a document in a few
// named functions; /admin/cpu-profile?duration=N answers with a V8 .cpuprofile of the next N seconds
// (taken with the node:inspector Session API, in-process), which `flame-graph hce` reads.
"use strict";
const http = require("node:http");
const crypto = require("node:crypto");
const inspector = require("node:inspector");

const port = Number(process.argv[process.argv.indexOf("--port") + 1] || 3000);
const items = Array.from({ length: 80 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ["a", "b", "c"] }));

function buildRows() {
  return items.map((item) => ({ key: (item.id * 7) % 13, label: item.name.toUpperCase() }));
}

function renderRows(rows) {
  return rows.map((row) => `${String(row.key).padStart(4)} ${row.label}`).join("\n");
}

function digest(text) {
  let h = text;
  for (let i = 0; i < 40; i++) h = crypto.createHash("sha256").update(h).digest("hex");
  return h;
}

function handleWork() {
  const body = renderRows(buildRows());
  return `${digest(body)}\n${body.slice(0, 80)}\n`;
}

let profiling = false;

function cpuProfile(seconds, res) {
  if (profiling) {
    res.writeHead(409).end("a profile is already being taken\n");
    return;
  }
  profiling = true;
  const session = new inspector.Session();
  session.connect();
  const fail = (err) => {
    profiling = false;
    session.disconnect();
    res.writeHead(500).end(`${err}\n`);
  };
  session.post("Profiler.enable", (err) => {
    if (err) return fail(err);
    session.post("Profiler.start", (err2) => {
      if (err2) return fail(err2);
      setTimeout(() => {
        session.post("Profiler.stop", (err3, result) => {
          profiling = false;
          session.disconnect();
          if (err3) return res.writeHead(500).end(`${err3}\n`);
          const payload = JSON.stringify(result.profile);
          res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
          res.end(payload);
        });
      }, seconds * 1000);
    });
  });
}

http
  .createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    if (url.pathname === "/health") return res.end("ok\n");
    if (url.pathname === "/admin/cpu-profile") {
      const seconds = Math.min(Math.max(Number(url.searchParams.get("duration")) || 10, 1), 300);
      return cpuProfile(seconds, res);
    }
    const payload = handleWork();
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(payload) });
    res.end(payload);
  })
  .listen(port, "127.0.0.1");

process.on("SIGTERM", () => process.exit(0));
