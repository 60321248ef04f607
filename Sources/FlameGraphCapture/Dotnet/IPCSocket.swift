import FlameGraphCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A connected Unix-domain stream socket with deadline-bounded reads (poll), for the .NET
/// diagnostics IPC. Not shared between threads.
final class IPCSocket {
    private var fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FlameGraphError(.unavailable, "cannot create a socket: \(Self.errnoText())") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            Glibc.close(fd)
            throw FlameGraphError(.unavailable, "\(path): socket path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (k, b) in bytes.enumerated() { raw[k] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let text = Self.errnoText()
            Glibc.close(fd)
            throw FlameGraphError(.unavailable, "cannot connect to \(path): \(text) (has the process exited?)")
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw FlameGraphError(.unavailable, "cannot write to \(path): \(Self.errnoText())") }
            sent += n
        }
    }

    /// Up to 64 KiB: nil when nothing came before `deadline`, empty at end of stream.
    func readSome(deadline: Date, what: String) throws -> [UInt8]? {
        if !pending.isEmpty { return takePending() }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = max(0, Int32(min(deadline.timeIntervalSinceNow * 1000, 60_000)))
        let ready = poll(&p, 1, ms)
        if ready < 0 && errno == EINTR { return nil }
        guard ready >= 0 else { throw FlameGraphError(.unavailable, "\(what): \(Self.errnoText())") }
        if ready == 0 { return nil }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 && (errno == EINTR || errno == EAGAIN) { return nil }
        guard n >= 0 else { throw FlameGraphError(.unavailable, "\(what): \(Self.errnoText())") }
        return Array(buffer[0..<n])
    }

    func read(exactly count: Int, deadline: Date, what: String) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            guard Date() < deadline else { throw FlameGraphError(.unavailable, "\(what): no answer in time") }
            guard let chunk = try readSome(deadline: deadline, what: what) else { continue }
            guard !chunk.isEmpty else {
                throw FlameGraphError(.unavailable, "\(what): the runtime closed the connection")
            }
            out += chunk
        }
        // A response never runs into the stream that follows: readSome may have read past it.
        if out.count > count { pending = Array(out[count...]) }
        return Array(out[0..<count])
    }

    /// Bytes read past a response (the start of the trace stream), handed out by the next read.
    private var pending: [UInt8] = []

    private func takePending() -> [UInt8] {
        defer { pending = [] }
        return pending
    }
}
