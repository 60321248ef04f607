import FlameGraphCore
import Foundation

/// A Chrome DevTools Protocol client over the inspector's WebSocket (Node's `--inspect`, Chrome):
/// finds the debuggable target through `/json/list`, connects, and sends commands one at a time.
public final class DevToolsClient {
    /// Where the inspector listens.
    public struct Target: Sendable, Equatable {
        public var host: String
        public var port: UInt16
        /// The WebSocket path, when a ws:// URL was given (else found through /json/list).
        public var path: String?
        /// `HOST:PORT`, for messages.
        public var shown: String

        /// `HOST:PORT`, `[IPv6]:PORT`, `ws://HOST:PORT/PATH` or `http://HOST:PORT` (port 9229 by default).
        public init(_ text: String) throws {
            let usage = FlameGraphError(
                .usage, "--inspect '\(text)' is neither HOST:PORT nor a ws:// URL (e.g. 127.0.0.1:9229)")
            let withScheme = text.contains("://") ? text : "http://" + text
            guard let parts = URLComponents(string: withScheme), let scheme = parts.scheme?.lowercased(),
                ["ws", "http"].contains(scheme), let host = parts.host, !host.isEmpty
            else { throw usage }
            port = UInt16(exactly: parts.port ?? 9229) ?? 9229
            path = scheme == "ws" && !parts.percentEncodedPath.isEmpty ? parts.percentEncodedPath : nil
            self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            shown = "\(host):\(port)"
        }
    }

    public let target: Target
    private let socket: WebSocketConnection
    private let shouldStop: () -> Bool
    private var nextID = 0

    /// Connects to `target` (its WebSocket path found through `/json/list`, retried for `waitForIt` s
    /// while the inspector opens). `shouldStop` is polled while waiting (an abort).
    public init(_ target: Target, waitForIt: Double, shouldStop: @escaping () -> Bool) throws {
        var target = target
        self.shouldStop = shouldStop
        if target.path == nil { target.path = try Self.discover(target, waitForIt: waitForIt, shouldStop: shouldStop) }
        self.target = target
        do {
            socket = try WebSocketConnection(host: target.host, port: target.port, path: target.path!, timeout: 5)
        } catch let failure as WebSocketConnection.Failure {
            throw Self.unreachable(target, failure.description)
        }
    }

    deinit { socket.close() }

    public func close() { socket.close() }

    /// Sends `method` and returns its result; the inspector's error is 69; nil when `shouldStop` said so.
    public func call(_ method: String, timeout: Double = 10) throws -> [String: Any]? {
        nextID += 1
        let id = nextID
        do {
            try socket.send(#"{"id":\#(id),"method":"\#(method)"}"#)
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                guard let text = try socket.receive(until: deadline, shouldStop: shouldStop) else { return nil }
                guard let message = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                    throw FlameGraphError(
                        .badInput, "the inspector at \(target.shown) sent a message that is not a JSON object")
                }
                guard message["id"] as? Int == id else { continue }  // an event, or the answer to an earlier call
                if let error = message["error"] as? [String: Any] {
                    throw FlameGraphError(
                        .unavailable,
                        "the inspector at \(target.shown) refused \(method): \(error["message"] as? String ?? "error")")
                }
                return message["result"] as? [String: Any] ?? [:]
            }
        } catch let failure as WebSocketConnection.Failure {
            throw FlameGraphError(.unavailable, "the inspector at \(target.shown) failed: \(failure.description)")
        }
    }

    /// The first target's WebSocket path from `http://HOST:PORT/json/list`.
    static func discover(_ target: Target, waitForIt: Double, shouldStop: () -> Bool) throws -> String {
        let url = URL(string: "http://\(target.shown)/json/list")!
        let until = Date().addingTimeInterval(waitForIt)
        while true {
            if shouldStop() { throw CaptureInterrupted() }
            let fetch = ProfileFetch(
                url, headers: [:], timeout: 5, limit: NetworkLimits.current.discoveryBytes,
                limitVariable: NetworkLimits.discoveryVariable)
            fetch.start()
            var outcome: ProfileFetch.Outcome? = nil
            while outcome == nil {
                outcome = fetch.wait(0.25)
                if shouldStop() { fetch.cancel() }
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
                throw unreachable(target, "HTTP \(status) for /json/list: is it a Chrome DevTools Protocol inspector?")
            case .cancelled:
                throw CaptureInterrupted()
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
