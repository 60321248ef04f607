import FlameGraphCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal blocking `ws://` client (RFC 6455) for the Chrome DevTools Protocol on a loopback or LAN
/// inspector: text messages out (masked, as a client must), text messages in (fragments joined, pings
/// answered). No TLS and no extensions — an inspector needs neither, and Linux's URLSession has no
/// WebSocket support here (its libcurl lacks it).
///
/// Every read waits in slices of at most `slice` seconds so that a caller's `shouldStop` (Ctrl-C) is seen.
public final class WebSocketConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var closed = false

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Connects to `ws://host:port/path` and completes the opening handshake within `timeout` seconds.
    public init(host: String, port: UInt16, path: String, timeout: Double) throws {
        fd = try Self.connect(host: host, port: port, timeout: timeout)
        do {
            var nonce = [UInt8](repeating: 0, count: 16)
            for i in nonce.indices { nonce[i] = UInt8.random(in: 0...255) }
            let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            let request =
                "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: \(Data(nonce).base64EncodedString())\r\nSec-WebSocket-Version: 13\r\n\r\n"
            try write(Array(request.utf8))
            let deadline = Date().addingTimeInterval(timeout)
            var end: Int? = nil
            while end == nil {
                end = Self.headerEnd(buffer)
                if end == nil { try fill(until: deadline, shouldStop: { false }) }
            }
            let head = String(decoding: buffer[..<end!], as: UTF8.self)
            buffer.removeFirst(end! + 4)
            let status = head.split(separator: "\r\n").first.map(String.init) ?? ""
            guard status.split(separator: " ").dropFirst().first == "101" else {
                throw Failure(description: "the inspector refused the WebSocket upgrade (\(status))")
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    deinit { Glibc.close(fd) }

    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4)
        where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    // MARK: - Messages

    /// Sends one text message.
    public func send(_ text: String) throws {
        try sendFrame(opcode: 0x1, payload: Array(text.utf8))
    }

    /// The next text message; `nil` when `shouldStop` said so first. Throws past `deadline` or on close.
    public func receive(until deadline: Date, shouldStop: () -> Bool) throws -> String? {
        var message: [UInt8] = []
        while true {
            guard let (fin, opcode, payload) = try readFrame(until: deadline, shouldStop: shouldStop) else {
                return nil
            }
            switch opcode {
            case 0x0, 0x1, 0x2:
                message += payload
                if fin { return String(decoding: message, as: UTF8.self) }
            case 0x8:
                closed = true
                throw Failure(description: "the inspector closed the connection")
            case 0x9:
                try sendFrame(opcode: 0xA, payload: payload)
            default:
                continue
            }
        }
    }

    /// Sends a close frame (best effort).
    public func close() {
        guard !closed else { return }
        closed = true
        try? sendFrame(opcode: 0x8, payload: [0x03, 0xE8])
    }

    // MARK: - Frames

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws {
        var frame: [UInt8] = [0x80 | opcode]
        let n = payload.count
        if n < 126 {
            frame.append(0x80 | UInt8(n))
        } else if n <= 0xFFFF {
            frame += [0x80 | 126, UInt8(n >> 8), UInt8(n & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                frame.append(UInt8((UInt64(n) >> UInt64(shift)) & 0xFF))
            }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame.reserveCapacity(frame.count + n)
        for (i, b) in payload.enumerated() { frame.append(b ^ mask[i & 3]) }
        try write(frame)
    }

    private func readFrame(until deadline: Date, shouldStop: () -> Bool) throws -> (Bool, UInt8, [UInt8])? {
        func need(_ count: Int) throws -> Bool {
            while buffer.count < count {
                if shouldStop() { return false }
                try fill(until: deadline, shouldStop: shouldStop)
            }
            return true
        }
        guard try need(2) else { return nil }
        let fin = buffer[0] & 0x80 != 0
        let opcode = buffer[0] & 0x0F
        let masked = buffer[1] & 0x80 != 0
        var length = Int(buffer[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard try need(4) else { return nil }
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            offset = 4
        } else if length == 127 {
            guard try need(10) else { return nil }
            var l: UInt64 = 0
            for i in 2..<10 { l = l << 8 | UInt64(buffer[i]) }
            guard l < 1 << 31 else { throw Failure(description: "the inspector sent a frame of \(l) bytes") }
            length = Int(l)
            offset = 10
        }
        let maskOffset = offset
        if masked { offset += 4 }
        guard try need(offset + length) else { return nil }
        var payload = Array(buffer[offset..<(offset + length)])
        if masked {
            let mask = Array(buffer[maskOffset..<(maskOffset + 4)])
            for i in payload.indices { payload[i] ^= mask[i & 3] }
        }
        buffer.removeFirst(offset + length)
        return (fin, opcode, payload)
    }

    // MARK: - Socket

    /// Reads what is available, waiting at most until `deadline` (in slices, for `shouldStop`).
    private func fill(until deadline: Date, shouldStop: () -> Bool) throws {
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Failure(description: "the inspector did not answer in time") }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(min(left, 0.25) * 1000) + 1)
            if r < 0 && errno == EINTR { continue }
            if r < 0 { throw Failure(description: "poll failed (errno \(errno))") }
            if r == 0 {
                if shouldStop() { return }
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if n <= 0 {
                closed = true
                throw Failure(description: "the inspector closed the connection")
            }
            buffer += chunk[0..<n]
            return
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "cannot write to the inspector (errno \(errno))") }
            sent += n
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
                a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
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
            if r == 0 {
                _ = fcntl(fd, F_SETFL, flags)
                return fd
            }
            lastError = errno
            Glibc.close(fd)
        }
        throw Failure(
            description: lastError == ETIMEDOUT
                ? "no answer" : lastError == ECONNREFUSED ? "connection refused" : "cannot connect (errno \(lastError))"
        )
    }
}
