import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One keep-alive HTTP/1.1 connection of the load generator on a blocking POSIX socket, with `poll`
/// for deadlines. Deliberately small and separate from the profile fetchers: it sends the same few
/// requests over and over, reads each answer's status and skips its body (Content-Length, chunked, or
/// until the server closes), and reconnects when the server does not keep connections alive.
final class HTTPLoadConnection {
    enum Failure: Error, Equatable {
        case connect(String)
        case io(String)
        case timeout
        case malformed(String)
        case stopped
    }

    private let address: SocketAddress
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private var start = 0

    init(host: String, port: Int) throws(Failure) {
        guard let address = SocketAddress(host: host, port: port) else {
            throw .connect("cannot resolve \(host)")
        }
        self.address = address
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }

    /// Sends one request and reads the whole answer; returns the HTTP status. `deadline` is monotonic
    /// seconds; `stopped` is polled while waiting so the generator stops promptly.
    func exchange(_ request: [UInt8], deadline: Double, stopped: () -> Bool) throws(Failure) -> Int {
        if fd < 0 { try connect() }
        do {
            try send(request, deadline: deadline, stopped: stopped)
        } catch .io {
            // A kept-alive connection the server closed meanwhile: one fresh try.
            close()
            try connect()
            try send(request, deadline: deadline, stopped: stopped)
        }
        let head = try readHead(deadline: deadline, stopped: stopped)
        let (status, keepAlive, length, chunked) = try Self.parse(head)
        if chunked {
            try skipChunked(deadline: deadline, stopped: stopped)
        } else if let length {
            try skip(length, deadline: deadline, stopped: stopped)
        } else if status >= 200 && status != 204 && status != 304 {
            try skipToClose(deadline: deadline, stopped: stopped)
        }
        if !keepAlive { close() }
        return status
    }

    private func connect() throws(Failure) {
        let s = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw .connect(Self.errorText()) }
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = address.withSockaddr { Glibc.connect(s, $0, $1) }
        guard rc == 0 else {
            let why = Self.errorText()
            Glibc.close(s)
            throw .connect(why)
        }
        fd = s
    }

    private func send(_ bytes: [UInt8], deadline: Double, stopped: () -> Bool) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            try wait(for: Int16(POLLOUT), deadline: deadline, stopped: stopped)
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .io(Self.errorText())
            }
            sent += n
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill(deadline: Double, stopped: () -> Bool) throws(Failure) -> Bool {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        try wait(for: Int16(POLLIN), deadline: deadline, stopped: stopped)
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return true }
            throw .io(Self.errorText())
        }
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    private func readHead(deadline: Double, stopped: () -> Bool) throws(Failure) -> [UInt8] {
        while true {
            if let end = Self.find([13, 10, 13, 10], in: buffer, from: start) {
                let head = Array(buffer[start..<end])
                start = end + 4
                return head
            }
            guard buffer.count - start < 64 * 1024 else { throw .malformed("response headers over 64 KiB") }
            guard try fill(deadline: deadline, stopped: stopped) else {
                throw .io(
                    buffer.count > start ? "connection closed mid-response" : "connection closed without a response")
            }
        }
    }

    private func skip(_ count: Int, deadline: Double, stopped: () -> Bool) throws(Failure) {
        var left = count
        while true {
            let take = min(left, buffer.count - start)
            start += take
            left -= take
            if left == 0 { return }
            guard try fill(deadline: deadline, stopped: stopped) else { throw .io("connection closed mid-body") }
        }
    }

    private func readLine(deadline: Double, stopped: () -> Bool) throws(Failure) -> [UInt8] {
        while true {
            if let end = Self.find([13, 10], in: buffer, from: start) {
                let line = Array(buffer[start..<end])
                start = end + 2
                return line
            }
            guard buffer.count - start < 8 * 1024 else { throw .malformed("chunk header over 8 KiB") }
            guard try fill(deadline: deadline, stopped: stopped) else { throw .io("connection closed mid-chunk") }
        }
    }

    private func skipChunked(deadline: Double, stopped: () -> Bool) throws(Failure) {
        while true {
            let line = String(decoding: try readLine(deadline: deadline, stopped: stopped), as: UTF8.self)
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw .malformed("bad chunk size '\(line.prefix(20))'")
            }
            if size == 0 {
                // Trailers, then the empty line.
                while !(try readLine(deadline: deadline, stopped: stopped)).isEmpty {}
                return
            }
            try skip(size + 2, deadline: deadline, stopped: stopped)
        }
    }

    private func skipToClose(deadline: Double, stopped: () -> Bool) throws(Failure) {
        while try fill(deadline: deadline, stopped: stopped) { start = buffer.count }
        close()
    }

    private func wait(for events: Int16, deadline: Double, stopped: () -> Bool) throws(Failure) {
        while true {
            if stopped() { throw .stopped }
            let left = deadline - Monotonic.now()
            if left <= 0 { throw .timeout }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&p, 1, Int32(min(left, 0.1) * 1000) + 1)
            if rc > 0 { return }
            if rc < 0 && errno != EINTR { throw .io(Self.errorText()) }
        }
    }

    /// Status, keep-alive, Content-Length and chunked-ness of a response head.
    static func parse(_ head: [UInt8]) throws(Failure) -> (Int, Bool, Int?, Bool) {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = (lines.first ?? "").split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw .malformed("not an HTTP/1.x response: '\((lines.first ?? "").prefix(40))'")
        }
        var keepAlive = statusParts[0] == "HTTP/1.1"
        var length: Int? = nil
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased()
            switch name {
            case "content-length":
                guard let n = Int(value), n >= 0 else { throw .malformed("bad Content-Length '\(value)'") }
                length = n
            case "transfer-encoding": chunked = value.contains("chunked")
            case "connection":
                if value.contains("close") { keepAlive = false }
                if value.contains("keep-alive") { keepAlive = true }
            default: break
            }
        }
        if length == nil && !chunked { keepAlive = false }
        return (status, keepAlive, length, chunked)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard haystack.count - from >= needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}

/// An IPv4 or IPv6 loopback address and port.
struct SocketAddress {
    let family: Int32
    private var v4 = sockaddr_in()
    private var v6 = sockaddr_in6()

    init?(host: String, port: Int) {
        var name = host.lowercased()
        if name == "localhost" { name = "127.0.0.1" }
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if inet_pton(AF_INET, name, &v4.sin_addr) == 1 {
            family = AF_INET
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
        } else if inet_pton(AF_INET6, name, &v6.sin6_addr) == 1 {
            family = AF_INET6
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
        } else {
            return nil
        }
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        if family == AF_INET {
            var a = v4
            return withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        var a = v6
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    }
}
