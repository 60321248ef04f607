import FlameGraphCapture
import FlameGraphCore
import Yams

/// The `load:` mapping of a service: the built-in generator's requests and pacing, or a command.
enum LoadConfigParser {
    static let keys = [
        "requests", "concurrency", "warmup", "rate", "command", "max_requests", "max_error_ratio", "timeout",
    ]
    static let requestKeys = ["method", "path", "body", "headers"]
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    static func parse(_ f: YAMLFields) throws -> LoadConfig {
        try f.checkKeys(keys)
        var load = LoadConfig()
        load.command = try f.nonEmpty("command")
        load.concurrency = try f.int("concurrency", in: 1...1024) ?? load.concurrency
        load.warmup = try f.duration("warmup", max: 3600) ?? load.warmup
        load.rate = try f.number("rate", suffix: "/s", in: 0.001...1_000_000)
        load.maxRequests = try f.int("max_requests", in: 1...1_000_000_000) ?? load.maxRequests
        load.maxErrorRatio = try f.number("max_error_ratio", in: 0...1) ?? load.maxErrorRatio
        load.timeout = try f.duration("timeout", max: 600) ?? load.timeout
        guard load.timeout > 0 else { throw f.fail("timeout", "must be more than 0s") }
        for (i, node) in (try f.list("requests") ?? []).enumerated() {
            let r = try YAMLFields(node, path: f.name("requests[\(i)]"), source: f.source)
            try r.checkKeys(requestKeys)
            let method = (try r.nonEmpty("method") ?? "GET").uppercased()
            guard methods.contains(method) else {
                throw r.fail("method", "'\(method)' is not one of \(methods.joined(separator: ", "))")
            }
            guard let path = try r.nonEmpty("path") else { throw r.fail("path", "every request needs a path (/…)") }
            guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else {
                throw r.fail("path", "'\(path)' must start with / and hold no spaces or line breaks")
            }
            let headers = try r.stringMap("headers")
            for (name, value) in headers
            where name.contains(where: { ": \r\n".contains($0) }) || value.contains(where: { "\r\n".contains($0) }) {
                throw r.fail("headers", "header '\(name)' has a character not allowed in HTTP headers")
            }
            let body = Array((try r.string("body") ?? "").utf8)
            load.requests.append(LoadRequest(method: method, path: path, body: body, headers: headers))
        }
        if load.command != nil && f.has("requests") {
            throw f.fail("command", "give either requests (the built-in generator) or a command, not both")
        }
        if load.command == nil && load.requests.isEmpty {
            throw f.fail("requests", "the load needs requests (e.g. - {path: /}) or a command")
        }
        return load
    }
}
