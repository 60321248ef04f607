import FlameGraphCore
import Foundation

/// One HTTP/1.1 GET of an `http://` profile endpoint over our own socket (`StreamSocket`).
///
/// Why not URLSession here: on Linux it decodes `Content-Encoding: gzip` inside libcurl and queues the
/// decoded chunks for its delegate faster than the delegate can count them, so a few megabytes of
/// compressed zeros grew the process past 6 GB before the size cap was seen. Here every byte is
/// counted as it arrives, the compressed body is capped at `limit`, and it is decoded once, capped
/// again (`Gzip.decodeBody`). Every wait is a poll with the deadline and `shouldStop` (Ctrl-C).
/// `https://` stays with URLSession (`ProfileFetch`).
struct PlainHTTPGet {
    var url: URL
    var headers: [String: String]
    var timeout: Double
    var limit: Int
    var limitVariable: String
    var statusOnly: Bool

    /// The most header bytes accepted before the body.
    static let headerLimit = 64 * 1024

    struct OverLimit: Error {}

    func run(shouldStop: () -> Bool) -> (ProfileFetch.Outcome, exceeded: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        do {
            guard let host = url.host, !host.isEmpty else {
                return (.failed(reason: "no host in the URL", timedOut: false), false)
            }
            let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            let port = UInt16(url.port ?? 80)
            let socket = try StreamSocket(host: bare, port: port, timeout: max(1, min(timeout, 10)))
            defer { socket.close() }
            guard try socket.write(Array(request(host: host).utf8), until: deadline, shouldStop: shouldStop) else {
                return (.cancelled, false)
            }
            guard let head = try readHead(socket, deadline, shouldStop) else { return (.cancelled, false) }
            if statusOnly { return (.answered(status: head.status, body: []), false) }
            guard var body = try readBody(socket, head, deadline, shouldStop) else { return (.cancelled, false) }
            if let encoding = head.fields["content-encoding"]?.lowercased(), encoding == "gzip" || encoding == "x-gzip"
            {
                guard let decoded = try Gzip.decodeBody(body, limit: limit) else { throw OverLimit() }
                body = decoded
            }
            return (.answered(status: head.status, body: body), false)
        } catch is OverLimit {
            let reason = NetworkLimits.exceeded("the answer", limit: limit, variable: limitVariable)
            return (.failed(reason: reason, timedOut: false), true)
        } catch let e as StreamSocket.Failure {
            let timedOut = e.description.contains("timed out") || Date() >= deadline
            return (
                .failed(reason: timedOut ? "no answer within \(Int(timeout)) s" : e.description, timedOut: timedOut),
                false
            )
        } catch let e as FlameGraphError {
            return (.failed(reason: "the answer's gzip encoding is broken: \(e.message)", timedOut: false), false)
        } catch {
            return (.failed(reason: "no HTTP answer", timedOut: false), false)
        }
    }

    /// The request: our headers only (credentials travel in them, never in the URL), no keep-alive.
    func request(host: String) -> String {
        var target =
            url.path.isEmpty ? "/" : URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? "/"
        if target.isEmpty { target = "/" }
        if let query = url.query { target += "?" + query }
        let hostField = url.port.map { "\(host):\($0)" } ?? host
        var text = "GET \(target) HTTP/1.1\r\nHost: \(hostField)\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n"
        text += "User-Agent: flame-graph\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key })
        where !value.contains("\r") && !value.contains("\n") {
            text += "\(name): \(value)\r\n"
        }
        return text + "\r\n"
    }

    struct Head {
        var status: Int
        var fields: [String: String]
    }

    /// Reads up to the blank line; nil when stopped.
    func readHead(_ s: StreamSocket, _ deadline: Date, _ shouldStop: () -> Bool) throws -> Head? {
        while true {
            let view = s.bytes[s.start...]
            if let end = Self.find([13, 10, 13, 10], in: view) {
                let text = String(decoding: s.bytes[s.start..<end], as: UTF8.self)
                s.consume(end + 4 - s.start)
                var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
                let statusLine = lines.isEmpty ? "" : String(lines.removeFirst())
                let parts = statusLine.split(separator: " ")
                guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
                    throw StreamSocket.Failure(description: "not an HTTP answer")
                }
                var fields: [String: String] = [:]
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    let name = line[..<colon].lowercased()
                    fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return Head(status: status, fields: fields)
            }
            guard view.count <= Self.headerLimit else {
                throw StreamSocket.Failure(description: "the answer's headers pass \(Self.headerLimit / 1024) KB")
            }
            guard try fill(s, deadline, shouldStop) else { return nil }
        }
    }

    /// The body as sent (chunked, by length, or to the end), at most `limit` bytes; nil when stopped.
    func readBody(_ s: StreamSocket, _ head: Head, _ deadline: Date, _ shouldStop: () -> Bool) throws -> [UInt8]? {
        var body: [UInt8] = []
        // Room for the whole cap at once: untouched pages cost no memory, and the body never doubles
        // (old and new copies side by side) on its way up to the cap.
        body.reserveCapacity(limit)
        // A gzip body is decoded on the way at doubling sizes, so an endless bomb stops at the cap of
        // its decoded size, not after `limit` compressed bytes.
        let gzip = ["gzip", "x-gzip"].contains(head.fields["content-encoding"]?.lowercased() ?? "")
        var nextCheck = 256 * 1024
        func check() throws {
            guard gzip, body.count >= nextCheck else { return }
            nextCheck = body.count * 2
            if (try? Gzip.decodeBody(body, limit: limit)) == .some(nil) { throw OverLimit() }
        }
        if head.fields["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                // Size line.
                var lineEnd: Int? = nil
                while lineEnd == nil {
                    lineEnd = Self.find([13, 10], in: s.bytes[s.start...])
                    if lineEnd == nil {
                        guard s.available < 1024 else { throw StreamSocket.Failure(description: "a bad chunk size") }
                        guard try fill(s, deadline, shouldStop) else { return nil }
                    }
                }
                let sizeText = String(decoding: s.bytes[s.start..<lineEnd!], as: UTF8.self)
                s.consume(lineEnd! + 2 - s.start)
                let hex = sizeText.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                guard let size = Int(hex, radix: 16), size >= 0 else {
                    throw StreamSocket.Failure(description: "a bad chunk size")
                }
                if size == 0 { return body }  // trailers are not read: the connection closes
                guard size <= limit - body.count else { throw OverLimit() }
                guard try take(size, into: &body, s, deadline, shouldStop) else { return nil }
                guard try take(2, into: nil, s, deadline, shouldStop) else { return nil }
                try check()
            }
        }
        if let length = head.fields["content-length"].flatMap({ Int($0) }) {
            guard length <= limit else { throw OverLimit() }
            return try take(length, into: &body, s, deadline, shouldStop) ? body : nil
        }
        while true {
            guard s.available <= limit - body.count else { throw OverLimit() }
            body.append(contentsOf: s.bytes[s.start...])
            s.consume(s.available)
            try check()
            do {
                guard try fill(s, deadline, shouldStop) else { return nil }
            } catch let e as StreamSocket.Failure where e.description == "the connection was closed" {
                return body
            }
        }
    }

    /// Moves `count` bytes into `body` (or drops them); false when stopped.
    func take(
        _ count: Int, into body: UnsafeMutablePointer<[UInt8]>?, _ s: StreamSocket, _ deadline: Date,
        _ shouldStop: () -> Bool
    ) throws -> Bool {
        var left = count
        while left > 0 {
            if s.available == 0 { guard try fill(s, deadline, shouldStop) else { return false } }
            let n = min(left, s.available)
            body?.pointee.append(contentsOf: s.bytes[s.start..<(s.start + n)])
            s.consume(n)
            left -= n
        }
        return true
    }

    func take(_ count: Int, into body: inout [UInt8], _ s: StreamSocket, _ deadline: Date, _ shouldStop: () -> Bool)
        throws -> Bool
    {
        try withUnsafeMutablePointer(to: &body) { try take(count, into: $0, s, deadline, shouldStop) }
    }

    /// Waits for more bytes; throws on the deadline, false when stopped.
    func fill(_ s: StreamSocket, _ deadline: Date, _ shouldStop: () -> Bool) throws -> Bool {
        guard Date() < deadline else { throw StreamSocket.Failure(description: "timed out") }
        var stopped = false
        let more = try s.fill(until: deadline) {
            stopped = shouldStop()
            return stopped
        }
        if !more && !stopped && Date() >= deadline { throw StreamSocket.Failure(description: "timed out") }
        return more || !stopped
    }

    static func find(_ needle: [UInt8], in hay: ArraySlice<UInt8>) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = hay.startIndex
        while i <= hay.endIndex - needle.count {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
