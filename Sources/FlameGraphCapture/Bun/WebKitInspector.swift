import FlameGraphCore
import Foundation

/// Bun's inspector speaks the WebKit (JavaScriptCore) protocol, not Chrome's: no `/json/list`, a
/// WebSocket at the path Bun prints (`Listening: ws://HOST:PORT/<id>`), and CPU samples through
/// `ScriptProfiler.startTracking {includeSamples: true}` / `stopTracking`, after which the
/// `ScriptProfiler.trackingComplete` event carries `samples.stackTraces[].stackFrames[]` (leaf first,
/// `{name, url, line, column}`).
///
/// Bun handles inspector messages on its JavaScript thread between event-loop turns: code that never
/// yields (a synchronous busy loop) delays both commands, and the sampler then records nothing.
public enum WebKitInspector {
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: UInt16
        public var path: String
        public var shown: String { "ws://\(host):\(port)\(path)" }
    }

    /// `ws://HOST:PORT/PATH`, or `HOST:PORT/PATH` (Bun's `--inspect=` value). Bun's WebSocket needs its
    /// path: without one the error says where to find it.
    public static func endpoint(_ text: String) throws -> Endpoint {
        var rest = Substring(text)
        if rest.hasPrefix("ws://") { rest = rest.dropFirst(5) }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let hostPort = rest[..<slash]
        let path = String(rest[slash...])
        guard let colon = hostPort.lastIndex(of: ":"), let port = UInt16(hostPort[hostPort.index(after: colon)...]),
            port > 0
        else {
            throw FlameGraphError(.usage, "--inspect \(text): expected ws://HOST:PORT/ID or HOST:PORT/ID")
        }
        var host = String(hostPort[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty || host == "localhost" { host = "127.0.0.1" }
        guard path.count > 1 else {
            throw FlameGraphError(
                .usage,
                "--inspect \(text): Bun's inspector needs the full URL it printed at start-up (\"Listening: ws://\(host):\(port)/<id>\"), or start Bun with --inspect=\(host):\(port)/NAME to choose the path"
            )
        }
        return Endpoint(host: host, port: port, path: path)
    }

    /// One stack trace of the trackingComplete event, root first, named like .cpuprofile frames.
    static func frames(_ trace: [String: Any]) -> [String] {
        guard let stack = trace["stackFrames"] as? [[String: Any]] else { return [] }
        return stack.reversed().map { frame in
            let name = (frame["name"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "(anonymous)"
            let url = frame["url"] as? String ?? ""
            let line = frame["line"] as? Int ?? -1
            let text: String
            if url.isEmpty {
                text = name
            } else {
                let file = url.split(separator: "/").last.map(String.init) ?? url
                text = line > 0 ? "\(name) (\(file):\(line))" : "\(name) (\(file))"
            }
            return String(text.map { $0 == ";" ? ":" : ($0 == "\n" ? " " : $0) })
        }
    }

    /// Profiles for `duration` seconds (or until `shouldStop`): one count per sampled stack.
    public static func profile(
        _ endpoint: Endpoint, duration: Double, shouldStop: @escaping () -> Bool, tick: (Double) -> Void
    ) throws -> Profile {
        let socket: WebSocketConnection
        do {
            socket = try WebSocketConnection(host: endpoint.host, port: endpoint.port, path: endpoint.path, timeout: 5)
        } catch let failure as WebSocketConnection.Failure {
            throw FlameGraphError(.unavailable, "cannot open Bun's inspector at \(endpoint.shown): \(failure)")
        }
        defer { socket.close() }
        do {
            try socket.send(#"{"id":1,"method":"ScriptProfiler.startTracking","params":{"includeSamples":true}}"#)
            // The answers wait in the socket meanwhile (a few hundred bytes); `stop` skips them.
            let started = Date()
            while Date().timeIntervalSince(started) < duration && !shouldStop() {
                tick(Date().timeIntervalSince(started))
                usleep(100_000)
            }
            return try stop(socket, endpoint)
        } catch let failure as WebSocketConnection.Failure {
            throw FlameGraphError(.unavailable, "Bun's inspector at \(endpoint.shown) failed: \(failure)")
        }
    }

    private static func stop(_ socket: WebSocketConnection, _ endpoint: Endpoint) throws -> Profile {
        try socket.send(#"{"id":2,"method":"ScriptProfiler.stopTracking"}"#)
        let deadline = Date() + 30
        while Date() < deadline {
            let text: String?
            do {
                text = try socket.receive(until: deadline, shouldStop: { false })
            } catch {
                break
            }
            guard let text, let message = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                message["method"] as? String == "ScriptProfiler.trackingComplete"
            else { continue }
            let params = message["params"] as? [String: Any]
            let traces = (params?["samples"] as? [String: Any])?["stackTraces"] as? [[String: Any]] ?? []
            var profile = Profile()
            for trace in traces {
                let frames = Self.frames(trace)
                if !frames.isEmpty { profile.add(frames: frames, weight: 1) }
            }
            return profile
        }
        throw FlameGraphError(
            .unavailable,
            "Bun's inspector at \(endpoint.shown) sent no ScriptProfiler.trackingComplete within 30 s: is its JavaScript thread busy in code that never yields? (use `flame-graph bun --cmd`, which profiles with --cpu-prof)"
        )
    }
}
