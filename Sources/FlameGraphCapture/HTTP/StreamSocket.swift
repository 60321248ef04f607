import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking TCP socket whose every read and write waits with `poll`, in slices of at most a
/// quarter second, until a deadline — so a peer that stops reading or writing can never hold us past
/// it, and a caller's `shouldStop` (Ctrl-C) is seen within a slice. Closed exactly once.
final class StreamSocket {
    private var fd: Int32
    /// Received bytes not consumed yet: `bytes[start...]`.
    private(set) var bytes: [UInt8] = []
    private(set) var start = 0

    struct Failure: Error { var description: String }

    /// Connects to `host:port` within `timeout` seconds.
    init(host: String, port: UInt16, timeout: Double) throws {
        fd = try Self.connect(host: host, port: port, timeout: timeout)
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    var available: Int { bytes.count - start }

    /// Drops `count` consumed bytes (compacting now and then, so consuming stays linear).
    func consume(_ count: Int) {
        start += count
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.count <= 1 << 20)
            start = 0
        } else if start >= 1 << 16 && start * 2 >= bytes.count {
            bytes.removeFirst(start)
            start = 0
        }
    }

    /// Reads what is available, waiting until `deadline`. Returns false when `shouldStop` said so first.
    func fill(until deadline: Date, shouldStop: () -> Bool) throws -> Bool {
        guard try waitFor(Int16(POLLIN), until: deadline, shouldStop: shouldStop) else { return false }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return true }
            if n <= 0 { throw Failure(description: "the connection was closed") }
            bytes += chunk[0..<n]
            return true
        }
    }

    /// Sends all of `data` before `deadline`. Returns false when `shouldStop` said so first.
    func write(_ data: [UInt8], until deadline: Date, shouldStop: () -> Bool) throws -> Bool {
        var sent = 0
        while sent < data.count {
            let n = data.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, data.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                sent += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            guard n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) else {
                throw Failure(description: "cannot send (\(String(cString: strerror(errno))))")
            }
            guard try waitFor(Int16(POLLOUT), until: deadline, shouldStop: shouldStop) else { return false }
        }
        return true
    }

    /// Polls for `events` until `deadline`; false when `shouldStop` said so first.
    private func waitFor(_ events: Int16, until deadline: Date, shouldStop: () -> Bool) throws -> Bool {
        guard fd >= 0 else { throw Failure(description: "the connection is closed") }
        while true {
            if shouldStop() { return false }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                throw Failure(description: events == Int16(POLLOUT) ? "it stopped reading" : "no answer in time")
            }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, Int32(min(left, 0.25) * 1000) + 1)
            if r < 0 && errno == EINTR { continue }
            if r < 0 { throw Failure(description: "poll failed (\(String(cString: strerror(errno))))") }
            if r > 0 { return true }
        }
    }

    private static func connect(host: String, port: UInt16, timeout: Double) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "host not found: \(host)")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let a = entry {
            entry = a.pointee.ai_next
            let fd = socket(
                a.pointee.ai_family,
                a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                a.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            var r = Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen)
            if r != 0 && errno == EINPROGRESS {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&p, 1, Int32(timeout * 1000)) == 1 {
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
                    r = err == 0 ? 0 : -1
                    if err != 0 { errno = err }
                } else {
                    errno = ETIMEDOUT
                }
            }
            if r == 0 { return fd }  // stays non-blocking: every wait is a poll with a deadline
            lastError = errno
            Glibc.close(fd)
        }
        throw Failure(
            description: lastError == ETIMEDOUT
                ? "no answer" : lastError == ECONNREFUSED ? "connection refused" : "cannot connect (errno \(lastError))"
        )
    }
}
