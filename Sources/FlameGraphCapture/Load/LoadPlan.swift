import FlameGraphCore

/// One request the built-in load generator sends, in turn with the others.
public struct LoadRequest: Sendable, Equatable {
    public var method: String
    /// Path and query, starting with `/`.
    public var path: String
    public var body: [UInt8]
    public var headers: [(name: String, value: String)]

    public init(method: String = "GET", path: String, body: [UInt8] = [], headers: [(String, String)] = []) {
        self.method = method
        self.path = path
        self.body = body
        self.headers = headers.map { (name: $0.0, value: $0.1) }
    }

    public static func == (a: LoadRequest, b: LoadRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.body == b.body
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    /// The request's bytes on the wire (HTTP/1.1, keep-alive).
    func wire(host: String) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: flame-graph-load\r\n"
        let named = Set(headers.map { $0.name.lowercased() })
        if !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) {
            if !named.contains("content-length") { head += "Content-Length: \(body.count)\r\n" }
        }
        for h in headers { head += "\(h.name): \(h.value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}

/// What to send, how hard and for how long. Loopback only: a load generator pointed at someone else's
/// server by a typo in a config file is a denial-of-service tool.
public struct LoadPlan: Sendable {
    public var host: String
    public var port: Int
    public var requests: [LoadRequest]
    /// Connections, one thread each.
    public var concurrency: Int
    /// Requests per second over all connections; nil: closed loop (each connection sends its next
    /// request as soon as the last one is answered).
    public var rate: Double?
    /// Seconds; the generator also stops at `maxRequests`.
    public var duration: Double
    public var maxRequests: Int
    /// Seconds one request may take before it counts as an error (and its connection is dropped).
    public var requestTimeout: Double

    public init(
        host: String, port: Int, requests: [LoadRequest], concurrency: Int = 4, rate: Double? = nil,
        duration: Double, maxRequests: Int = 10_000_000, requestTimeout: Double = 10
    ) {
        self.host = host
        self.port = port
        self.requests = requests
        self.concurrency = concurrency
        self.rate = rate
        self.duration = duration
        self.maxRequests = maxRequests
        self.requestTimeout = requestTimeout
    }

    /// Checks the plan; throws a `.usage` error naming what is wrong.
    public func validate() throws {
        guard Self.isLoopback(host) else {
            throw FlameGraphError(
                .usage, "the load generator only talks to this machine (127.0.0.1, ::1, localhost), not '\(host)'")
        }
        guard !requests.isEmpty else { throw FlameGraphError(.usage, "the load has no requests") }
        guard (1...1024).contains(concurrency) else {
            throw FlameGraphError(.usage, "load concurrency must be between 1 and 1024, got \(concurrency)")
        }
        if let rate, !(rate > 0 && rate.isFinite) {
            throw FlameGraphError(.usage, "load rate must be a positive number of requests per second")
        }
        guard duration >= 0, duration.isFinite, maxRequests > 0 else {
            throw FlameGraphError(.usage, "the load needs a duration ≥ 0 and max_requests > 0")
        }
        for r in requests where !r.path.hasPrefix("/") {
            throw FlameGraphError(.usage, "load request path '\(r.path)' must start with /")
        }
    }

    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h == "[::1]" || h.hasPrefix("127.")
    }
}
