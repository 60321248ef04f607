import FlameGraphCore
import Foundation

/// Polls a service's readiness URL until it answers 2xx, the service exits, or the timeout passes.
public enum ReadinessProbe {
    public enum Outcome: Sendable, Equatable {
        case ready(seconds: Double)
        case timedOut(lastProblem: String)
        case exited(status: Int32)
        case interrupted
    }

    /// `url` must be `http://` on loopback. `exited` says whether the service process ended (its exit
    /// status), so a crash at start-up is reported at once instead of after the whole timeout.
    public static func wait(
        for url: String, timeout: Double, exited: () -> Int32? = { nil }, interrupted: () -> Bool = { false }
    ) throws -> Outcome {
        let target = try LoopbackURL(url)
        let begin = Monotonic.now()
        var lastProblem = "no answer yet"
        let connection = try? HTTPLoadConnection(host: target.host, port: target.port)
        let request = LoadRequest(method: "GET", path: target.path, headers: [("Connection", "close")])
            .wire(host: target.hostHeader)
        while true {
            if interrupted() { return .interrupted }
            if let status = exited() { return .exited(status: status) }
            let now = Monotonic.now()
            if now - begin >= timeout { return .timedOut(lastProblem: lastProblem) }
            do {
                guard let connection else { return .timedOut(lastProblem: "cannot resolve \(target.host)") }
                let status = try connection.exchange(
                    request, deadline: min(now + 2, begin + timeout), stopped: interrupted)
                connection.close()
                if (200..<300).contains(status) { return .ready(seconds: Monotonic.now() - begin) }
                lastProblem = "HTTP \(status)"
            } catch {
                connection?.close()
                lastProblem = LoadGenerator.describe(error)
            }
            usleep(100_000)
        }
    }
}

/// An `http://host:port/path` URL on this machine, split into what a socket needs.
public struct LoopbackURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var path: String

    public init(_ text: String) throws {
        guard let c = URLComponents(string: text), c.scheme?.lowercased() == "http", let host = c.host, !host.isEmpty
        else {
            throw FlameGraphError(.usage, "'\(text)' is not an http:// URL (e.g. http://127.0.0.1:8080/health)")
        }
        guard c.user == nil && c.password == nil else {
            throw FlameGraphError(.usage, "a service URL must not carry credentials (user:password@)")
        }
        guard LoadPlan.isLoopback(host) else {
            throw FlameGraphError(.usage, "'\(host)' is not this machine: the gate drives services on loopback only")
        }
        self.host = host
        port = c.port ?? 80
        let query = c.percentEncodedQuery.map { "?\($0)" } ?? ""
        path = (c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath) + query
    }

    public var hostHeader: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }
}
