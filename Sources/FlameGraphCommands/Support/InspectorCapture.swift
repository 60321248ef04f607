import FlameGraphCapture
import FlameGraphCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `hce --inspect` / `hce --pid`: a V8 CPU profile taken through the Chrome DevTools Protocol —
/// `Profiler.enable`, `Profiler.start`, wait, `Profiler.stop` — over the inspector's WebSocket.
///
/// A first Ctrl-C stops the profiling early and draws what was profiled; a second one aborts (130).
enum InspectorCapture {
    struct Target {
        var host: String
        var port: UInt16
        /// The WebSocket path, when a ws:// URL was given (else found through /json/list).
        var path: String?
        var shown: String
    }

    /// `HOST:PORT`, `[IPv6]:PORT`, `ws://HOST:PORT/PATH` or `http://HOST:PORT`.
    static func target(_ text: String) throws -> Target {
        let usage = FlameGraphError(
            .usage, "--inspect '\(text)' is neither HOST:PORT nor a ws:// URL (e.g. 127.0.0.1:9229)")
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let parts = URLComponents(string: withScheme), let scheme = parts.scheme?.lowercased(),
            ["ws", "http"].contains(scheme), let host = parts.host, !host.isEmpty
        else { throw usage }
        let port = UInt16(exactly: parts.port ?? 9229) ?? 9229
        let path = scheme == "ws" && !parts.percentEncodedPath.isEmpty ? parts.percentEncodedPath : nil
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        return Target(host: bare, port: port, path: path, shown: "\(host):\(port)")
    }

    static func run(_ session: CaptureSession, inspect: String?, pid: Int32?) throws -> CapturedProfile {
        var target = try self.target(inspect ?? "127.0.0.1:9229")
        let quiet = session.options.output.quiet
        if let pid {
            try CaptureSession.requireProcess(pid)
            let exe = ProcFS.executable(of: pid).map { ($0 as NSString).lastPathComponent } ?? ""
            guard exe.hasPrefix("node") else {
                throw FlameGraphError(
                    .unavailable,
                    "pid \(pid) is not Node (\(exe.isEmpty ? "unknown executable" : exe)): --pid sends SIGUSR1, which opens Node's inspector but would end most other programs"
                )
            }
            guard kill(pid, SIGUSR1) == 0 else {
                throw FlameGraphError(
                    .unavailable, "cannot signal pid \(pid) (\(InputFile.describe(errno))): run as its user or root")
            }
        }
        if target.path == nil {
            target.path = try discover(target, waitForIt: pid != nil ? 10 : 0, session: session)
        }
        let socket: WebSocketConnection
        do {
            socket = try WebSocketConnection(host: target.host, port: target.port, path: target.path!, timeout: 5)
        } catch let failure as WebSocketConnection.Failure {
            throw unreachable(target, failure.description)
        }
        defer { socket.close() }
        var next = 0
        func call(_ method: String, timeout: Double = 10) throws -> [String: Any] {
            next += 1
            let id = next
            try socket.send(#"{"id":\#(id),"method":"\#(method)"}"#)
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                guard let text = try socket.receive(until: deadline, shouldStop: { session.aborted }) else {
                    throw CommandExit(status: ExitStatus.interrupted)
                }
                guard let message = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                    message["id"] as? Int == id
                else { continue }
                if let error = message["error"] as? [String: Any] {
                    throw FlameGraphError(
                        .unavailable,
                        "the inspector at \(target.shown) refused \(method): \(error["message"] as? String ?? "error")")
                }
                return message["result"] as? [String: Any] ?? [:]
            }
        }
        let result: [String: Any]
        do {
            _ = try call("Profiler.enable")
            _ = try call("Profiler.start")
            let duration = session.options.duration
            let started = Date()
            session.recording {
                while !session.stoppedEarly && !session.aborted {
                    let elapsed = Date().timeIntervalSince(started)
                    if elapsed >= Double(duration) { break }
                    session.progress.update(
                        "hce: profiling \(target.shown) \(ProgressLine.seconds(elapsed, of: duration)) — Ctrl-C stops early"
                    )
                    usleep(100_000)
                }
            }
            session.progress.clear()
            try session.checkAborted()
            result = try call("Profiler.stop", timeout: 60)
            _ = try? call("Profiler.disable", timeout: 2)
        } catch let failure as WebSocketConnection.Failure {
            throw FlameGraphError(.unavailable, "the inspector at \(target.shown) failed: \(failure.description)")
        }
        guard let profile = result["profile"], let bytes = try? JSONSerialization.data(withJSONObject: profile) else {
            throw FlameGraphError(
                .badInput, "the inspector at \(target.shown) answered Profiler.stop without a profile")
        }
        let url = URL(string: "ws://\(target.shown)")!
        let drawn = try ServiceEndpoint.decode([UInt8](bytes), formats: [.cpuprofile], url: url, quiet: quiet)
        return CapturedProfile(
            profile: drawn,
            summary: "\(ProgressLine.count(drawn.totalWeight, "sample")) from the inspector at \(target.shown)",
            rate: nil, defaultPalette: .js)
    }

    /// The first target's WebSocket path from `http://HOST:PORT/json/list` (retried for `waitForIt` s).
    static func discover(_ target: Target, waitForIt: Double, session: CaptureSession) throws -> String {
        let url = URL(string: "http://\(target.shown)/json/list")!
        let until = Date().addingTimeInterval(waitForIt)
        while true {
            try session.checkAborted()
            let fetch = ProfileFetch(url, headers: [:], timeout: 5)
            fetch.start()
            var outcome: ProfileFetch.Outcome? = nil
            while outcome == nil {
                outcome = fetch.wait(0.25)
                if session.aborted { fetch.cancel() }
            }
            switch outcome! {
            case .answered(200, let body):
                let list = (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] ?? []
                guard let ws = list.compactMap({ $0["webSocketDebuggerUrl"] as? String }).first,
                    let parts = URLComponents(string: ws), !parts.percentEncodedPath.isEmpty
                else {
                    throw FlameGraphError(
                        .unavailable, "the inspector at \(target.shown) lists no debuggable target (/json/list)")
                }
                return parts.percentEncodedPath
            case .answered(let status, _):
                if let bun = BunInspectorHint.error(at: target.shown) { throw bun }
                throw unreachable(target, "HTTP \(status) for /json/list: is it a Chrome DevTools Protocol inspector?")
            case .cancelled:
                throw CommandExit(status: ExitStatus.interrupted)
            case .failed(let reason, _):
                if Date() >= until { throw unreachable(target, reason) }
                usleep(200_000)
            }
        }
    }

    static func unreachable(_ target: Target, _ why: String) -> FlameGraphError {
        FlameGraphError(
            .unavailable,
            "cannot reach the inspector at \(target.shown): \(why); start Node with --inspect=\(target.shown), or pass --pid PID"
        )
    }
}
