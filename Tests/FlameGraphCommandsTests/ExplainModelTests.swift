import FlameGraphTestSupport
import Foundation
import XCTest

/// `explain --api-url` against a local server speaking the OpenAI chat-completions API (Python's
/// http.server): the request it receives, and what happens on answers, errors, garbage and silence.
final class ExplainModelTests: CaptureTestCase {
    /// Records each request (path, authorization, body) to requests.jsonl and answers per its mode:
    /// ok (a real completion naming the hottest frame it was told about), error (HTTP 500), garbage
    /// (200 with no choices), slow (answers after 5 s). Streamed (server-sent events, as OpenAI's API
    /// sends them): stream (the answer in pieces, the second one only once the file `release` exists
    /// beside the log, then [DONE]), cut (two pieces, then the connection closes), badevent (a piece,
    /// then an event that is not JSON), stall (a piece, then silence), huge (9 MiB of pieces).
    static let server = #"""
        import http.server, json, os, sys, time, re
        mode, log = sys.argv[1], sys.argv[2]
        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with open(log, "a") as f:
                    f.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization"),
                                        "body": body.decode()}) + "\n")
                if mode == "slow": time.sleep(5)
                if mode in ("stream", "cut", "badevent", "stall", "huge"): return self.stream(json.loads(body))
                if mode == "error":
                    self.send_response(500); self.end_headers(); self.wfile.write(b'{"error":"boom"}'); return
                req = json.loads(body)
                user = [m["content"] for m in req["messages"] if m["role"] == "user"][0]
                hottest = re.search(r"1\.\s+\S+ self\s+\S+ total\s+(\S+)", user)
                answer = {"id": "x", "object": "chat.completion", "model": req["model"],
                          "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
                          "content": "MODEL: start with " + (hottest.group(1) if hottest else "?")}}]}
                if mode == "garbage": answer = {"id": "x", "object": "chat.completion"}
                data = json.dumps(answer).encode()
                self.send_response(200); self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
            def event(self, data):
                self.wfile.write(b"data: " + data.encode() + b"\n\n"); self.wfile.flush()
            def piece(self, model, text):
                self.event(json.dumps({"id": "x", "object": "chat.completion.chunk", "model": model,
                                       "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}))
            def stream(self, req):
                self.send_response(200); self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache"); self.end_headers()
                model = req["model"]
                self.event(json.dumps({"id": "x", "object": "chat.completion.chunk", "model": model,
                                       "choices": [{"index": 0, "delta": {"role": "assistant"}}]}))
                self.wfile.write(b": keep-alive\n\n")
                self.piece(model, "MODEL-PART-1 ")
                if mode == "stream":
                    release = log.rsplit("/", 1)[0] + "/release"
                    for _ in range(200):
                        if os.path.exists(release): break
                        time.sleep(0.05)
                    self.piece(model, "MODEL-PART-2")
                    self.event(json.dumps({"id": "x", "object": "chat.completion.chunk", "model": model,
                                           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
                    self.event("[DONE]")
                elif mode == "cut":
                    self.piece(model, "MODEL-PART-2")
                elif mode == "badevent":
                    self.event('{"choices": [{"delta": {"content": "MODEL-PART-2"')
                    self.event("[DONE]")
                elif mode == "stall":
                    time.sleep(30)
                elif mode == "huge":
                    for _ in range(9 * 1024):
                        self.piece(model, "x" * 1024)
                    self.event("[DONE]")
        s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[3])), H)
        s.serve_forever()
        """#

    let key = "sk-test-\(UUID().uuidString)"

    func startServer(_ mode: String) throws -> UInt16 {
        let python = try XCTUnwrap(Self.python, "python3")
        try Self.server.write(toFile: "\(dir)/server.py", atomically: true, encoding: .utf8)
        let port = Loopback.freePort()
        try start(python, ["\(dir)/server.py", mode, "\(dir)/requests.jsonl", String(port)])
        XCTAssertTrue(eventually(10) { Loopback.isListening(port) }, "the test server did not start")
        return port
    }

    func requests() throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: "\(dir)/requests.jsonl", encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func input(_ text: String = "main;parse;tokenize 60\nmain;render 30\nmain 10\n") throws -> String {
        try text.write(toFile: "\(dir)/in.folded", atomically: true, encoding: .utf8)
        return "\(dir)/in.folded"
    }

    /// `explain --stream` against the test server answering in `mode`.
    func explainStreaming(_ mode: String) throws -> Run {
        let port = try startServer(mode)
        return try fg(["explain", "--input", try input(), "--api-url", "http://127.0.0.1:\(port)/v1", "--stream"])
    }

    func testTheModelsAnswerFollowsTheOfflineFacts() throws {
        let port = try startServer("ok")
        let run = try fg(
            ["explain", "--input", try input(), "--api-url", "http://127.0.0.1:\(port)/v1", "--model", "tiny"],
            env: ["RESQ_API_KEY": key])
        XCTAssertEqual(run.status, 0, run.stderr)
        let offline = try XCTUnwrap(run.stdout.range(of: "Where the CPU is burned"))
        let model = try XCTUnwrap(run.stdout.range(of: "What the model says (tiny):"))
        XCTAssertLessThan(offline.lowerBound, model.lowerBound)
        XCTAssertTrue(run.stdout.contains("MODEL: start with tokenize"), run.stdout)
        let sent = try XCTUnwrap(try requests().first)
        XCTAssertEqual(sent["path"] as? String, "/v1/chat/completions")
        XCTAssertEqual(sent["auth"] as? String, "Bearer \(key)")
        let body = try XCTUnwrap(sent["body"] as? String)
        XCTAssertTrue(body.contains("\"tiny\"") && body.contains("CPU profile"), body)
        XCTAssertFalse(body.contains(dir), "the request must not carry file paths")
        XCTAssertFalse(body.contains(key), "the key travels only in the header")
        XCTAssertFalse(run.stdout.contains(key) || run.stderr.contains(key))
    }

    func testMemoryProfilesAreExplainedAsMemory() throws {
        let port = try startServer("ok")
        let run = try fg([
            "explain", "--input", try input(), "--measure", "memory", "--api-url", "http://127.0.0.1:\(port)",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("Where memory is allocated"), run.stdout)
        XCTAssertFalse(run.stdout.contains("CPU"), run.stdout)
        let body = try XCTUnwrap(try requests().first?["body"] as? String)
        XCTAssertTrue(body.contains("memory profile"), body)
    }

    func testAnHTTPErrorExits69WithTheOfflineSummaryPrinted() throws {
        let port = try startServer("error")
        let run = try fg(
            ["explain", "--input", try input(), "--api-url", "http://127.0.0.1:\(port)/v1"],
            env: ["RESQ_API_KEY": key])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stdout.contains("Where the CPU is burned"), run.stdout)
        XCTAssertTrue(run.stderr.contains("HTTP 500"), run.stderr)
        XCTAssertFalse(run.stderr.contains(key))
    }

    func testAMalformedAnswerExits69() throws {
        let port = try startServer("garbage")
        let run = try fg(["explain", "--input", try input(), "--api-url", "http://127.0.0.1:\(port)/v1"])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stderr.contains("choices[0].message.content"), run.stderr)
        XCTAssertTrue(run.stdout.contains("Hot spots:"), run.stdout)
    }

    func testASilentServerTimesOutWith69() throws {
        let port = try startServer("slow")
        let run = try fg([
            "explain", "--input", try input(), "--api-url", "http://127.0.0.1:\(port)/v1", "--timeout", "1",
        ])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertLessThan(run.seconds, 4.5, "the timeout must bound the wait")
        XCTAssertTrue(run.stdout.contains("Hot spots:"), run.stdout)
    }

    func testOfflineFixesPythonLinesIdleAndHeadings() throws {
        let folded = """
            <module> (app.py:10);work (app.py:3) 30
            <module> (app.py:10);work (app.py:4) 30
            <module> (app.py:10);other (app.py:8) 20
            (idle) 20
            """
        let run = try fg(["explain", "--input", try input(folded + "\n")])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("work (app.py)"), run.stdout)
        XCTAssertFalse(run.stdout.contains("work (app.py:3)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("work (app.py) alone burns 60.0%"), run.stdout)
        XCTAssertFalse(run.stdout.contains("(idle) alone burns"), run.stdout)
    }

    // MARK: - Streaming (--stream)

    func explainStreamed(_ port: UInt16, _ extra: [String] = []) throws -> Process {
        try launch(
            [
                "explain", "--input", try input(), "--api-url", "http://127.0.0.1:\(port)/v1", "--model", "tiny",
                "--stream",
            ]
                + extra, env: ["RESQ_API_KEY": key])
    }

    /// The answer is printed as it arrives: the first piece is on stdout while the server still holds
    /// back the second.
    func testAStreamedAnswerIsPrintedAsItArrives() throws {
        let port = try startServer("stream")
        let t0 = Date()
        let p = try explainStreamed(port)
        let outFile = "\(dir)/run.out"
        XCTAssertTrue(
            eventually(10) { ((try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "").contains("MODEL-PART-1") },
            "the first piece did not reach stdout before the rest of the answer")
        XCTAssertFalse(((try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "").contains("MODEL-PART-2"))
        XCTAssertTrue(FileManager.default.createFile(atPath: "\(dir)/release", contents: nil))
        let run = finish(p, timeout: 30, since: t0)
        XCTAssertEqual(run.status, 0, run.stderr)
        let offline = try XCTUnwrap(run.stdout.range(of: "Where the CPU is burned"))
        let model = try XCTUnwrap(run.stdout.range(of: "What the model says (tiny):\n\nMODEL-PART-1 MODEL-PART-2\n"))
        XCTAssertLessThan(offline.lowerBound, model.lowerBound)
        let sent = try XCTUnwrap(try requests().first)
        XCTAssertEqual(sent["auth"] as? String, "Bearer \(key)")
        let body = try XCTUnwrap(sent["body"] as? String)
        XCTAssertTrue(body.contains("\"stream\":true") || body.contains("\"stream\" : true"), body)
        XCTAssertFalse(run.stdout.contains(key) || run.stderr.contains(key))
    }

    /// --output FILE: the streamed answer is written whole, atomically, like a plain one.
    func testAStreamedAnswerToAFileIsWrittenWhole() throws {
        let port = try startServer("stream")
        XCTAssertTrue(FileManager.default.createFile(atPath: "\(dir)/release", contents: nil))
        let run = try fg([
            "explain", "--input", try input(), "--api-url", "http://127.0.0.1:\(port)/v1", "--stream", "--markdown",
            "--output", "\(dir)/explain.md",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let text = try String(contentsOfFile: "\(dir)/explain.md", encoding: .utf8)
        XCTAssertTrue(text.contains("### What the model says") && text.contains("MODEL-PART-1 MODEL-PART-2"), text)
    }

    /// A server that ignores "stream": true and answers with plain JSON still works.
    func testAServerThatDoesNotStreamIsReadWhole() throws {
        let run = try explainStreaming("ok")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("MODEL: start with tokenize"), run.stdout)
    }

    func testAStreamCutOffBeforeDoneExits69AfterTheOfflineSummary() throws {
        let run = try explainStreaming("cut")
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stdout.contains("Hot spots:"), run.stdout)
        XCTAssertTrue(run.stdout.contains("MODEL-PART-1 MODEL-PART-2"), "what arrived stays printed: \(run.stdout)")
        XCTAssertTrue(run.stderr.contains("[DONE]"), run.stderr)
    }

    func testAMalformedStreamEventExits69() throws {
        let run = try explainStreaming("badevent")
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stderr.contains("malformed stream event"), run.stderr)
        XCTAssertTrue(run.stdout.contains("Hot spots:") && run.stdout.contains("MODEL-PART-1"), run.stdout)
        XCTAssertFalse(run.stdout.contains("MODEL-PART-2"), run.stdout)
    }

    /// --timeout bounds the whole streamed answer, not each piece.
    func testAStalledStreamTimesOutWith69() throws {
        let port = try startServer("stall")
        let run = try fg([
            "explain", "--input", try input(), "--api-url", "http://127.0.0.1:\(port)/v1", "--stream", "--timeout", "2",
        ])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertLessThan(run.seconds, 6, "the timeout must bound the stream")
        XCTAssertTrue(run.stdout.contains("Hot spots:") && run.stdout.contains("MODEL-PART-1"), run.stdout)
        XCTAssertTrue(run.stderr.contains("within 2 s"), run.stderr)
    }

    func testAStreamLargerThanTheLimitExits69() throws {
        let port = try startServer("huge")
        let run = try fg([
            "explain", "--input", try input(), "--api-url", "http://127.0.0.1:\(port)/v1", "--stream", "--output",
            "\(dir)/huge.txt",
        ])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stderr.contains("more than 8 MiB"), run.stderr)
        let text = try String(contentsOfFile: "\(dir)/huge.txt", encoding: .utf8)
        XCTAssertTrue(text.contains("Hot spots:") && !text.contains("xxxx"), "the offline facts alone")
    }
}
