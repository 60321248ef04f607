import Foundation

/// A minimal `ws://` client (RFC 6455) for the Chrome DevTools Protocol on a loopback or LAN
/// inspector: text messages out (masked, as a client must), text messages in (fragments joined, pings
/// answered, a close answered). No TLS and no extensions — an inspector needs neither, and Linux's
/// URLSession has no WebSocket support here (its libcurl lacks it).
///
/// The peer is untrusted: the handshake's `Sec-WebSocket-Accept` is checked, masked or reserved frames
/// and control frames over 125 bytes are refused, a message may not exceed `limits.profileBytes`, and
/// every read and write (a peer that never reads) ends at a deadline or when `shouldStop` says so.
public final class WebSocketConnection {
    private let socket: StreamSocket
    private let limits: NetworkLimits
    private var closed = false

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Seconds a send may wait for a peer that does not read, when the caller gives no deadline.
    public static let sendTimeout = 10.0

    /// Connects to `ws://host:port/path` and completes the opening handshake within `timeout` seconds.
    public init(host: String, port: UInt16, path: String, timeout: Double, limits: NetworkLimits = .current) throws {
        do {
            socket = try StreamSocket(host: host, port: port, timeout: timeout)
        } catch let failure as StreamSocket.Failure {
            throw Failure(description: failure.description)
        }
        self.limits = limits
        // From here on `socket` owns the descriptor: it is closed once, when `socket` goes.
        let deadline = Date().addingTimeInterval(timeout)
        var nonce = [UInt8](repeating: 0, count: 16)
        for i in nonce.indices { nonce[i] = UInt8.random(in: 0...255) }
        let key = SHA1.base64(nonce)
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try io { _ = try socket.write(Array(request.utf8), until: deadline, shouldStop: { false }) }
        var end: Int? = nil
        while end == nil {
            end = Self.headerEnd(socket.bytes, from: socket.start)
            if end == nil {
                guard socket.available <= 16 * 1024 else {
                    throw Failure(description: "the WebSocket handshake answer is longer than 16 KB")
                }
                try io { _ = try socket.fill(until: deadline, shouldStop: { false }) }
            }
        }
        let head = String(decoding: socket.bytes[socket.start..<end!], as: UTF8.self)
        socket.consume(end! + 4 - socket.start)
        try Self.checkHandshake(head, key: key)
    }

    /// Fails unless `head` is a 101 answer whose `Sec-WebSocket-Accept` matches `key`.
    static func checkHandshake(_ head: String, key: String) throws {
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let status = lines.first.map(String.init) ?? ""
        guard status.split(separator: " ").dropFirst().first == "101" else {
            throw Failure(description: "the inspector refused the WebSocket upgrade (\(status.prefix(80)))")
        }
        let accept = lines.dropFirst().compactMap { line -> String? in
            guard let colon = line.firstIndex(of: ":"),
                line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "sec-websocket-accept"
            else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }.first
        guard accept == SHA1.webSocketAccept(key: key) else {
            throw Failure(
                description: accept == nil
                    ? "the WebSocket handshake answer has no Sec-WebSocket-Accept"
                    : "the WebSocket handshake answer has a wrong Sec-WebSocket-Accept")
        }
    }

    static func headerEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count - start >= 4 else { return nil }
        for i in start...(bytes.count - 4)
        where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    /// Runs socket work, turning its failures into ours.
    private func io<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let failure as StreamSocket.Failure {
            closed = true
            throw Failure(description: "the inspector connection failed: \(failure.description)")
        }
    }

    // MARK: - Messages

    /// Sends one text message, waiting at most `sendTimeout` for a peer that does not read.
    public func send(_ text: String) throws {
        _ = try send(text, until: Date().addingTimeInterval(Self.sendTimeout), shouldStop: { false })
    }

    /// Sends one text message; false when `shouldStop` said so before it was sent.
    public func send(_ text: String, until deadline: Date, shouldStop: () -> Bool) throws -> Bool {
        try sendFrame(opcode: 0x1, payload: Array(text.utf8), until: deadline, shouldStop: shouldStop)
    }

    /// The next text message; `nil` when `shouldStop` said so first. Throws past `deadline`, on a close
    /// from the peer, on a protocol violation, and on a message over the size limit.
    public func receive(until deadline: Date, shouldStop: () -> Bool) throws -> String? {
        var message: [UInt8] = []
        var inMessage = false
        while true {
            guard
                let frame = try readFrame(
                    until: deadline, shouldStop: shouldStop, budget: limits.profileBytes - message.count)
            else { return nil }
            switch frame.opcode {
            case 0x0:
                guard inMessage else { throw violation("a continuation frame without a message to continue") }
                message += frame.payload
            case 0x1, 0x2:
                guard !inMessage else { throw violation("a new message inside an unfinished one") }
                inMessage = true
                message = frame.payload
            case 0x8:
                let code = frame.payload.count >= 2 ? Int(frame.payload[0]) << 8 | Int(frame.payload[1]) : 1005
                if !closed {
                    // Answer the close (RFC 6455 §5.5.1), echoing the code, briefly and best effort.
                    closed = true
                    let echo = frame.payload.count >= 2 ? Array(frame.payload.prefix(2)) : []
                    _ = try? sendFrame(
                        opcode: 0x8, payload: echo, until: Date().addingTimeInterval(1), shouldStop: shouldStop)
                }
                throw Failure(description: "the inspector closed the connection (code \(code))")
            case 0x9:
                guard try sendFrame(opcode: 0xA, payload: frame.payload, until: deadline, shouldStop: shouldStop) else {
                    return nil
                }
                continue
            default:
                continue  // a pong
            }
            if frame.fin {
                guard let text = String(validating: message, as: UTF8.self) else {
                    throw violation("a text message that is not UTF-8")
                }
                return text
            }
        }
    }

    /// Sends a close frame (best effort, within a second) and stops using the connection.
    public func close() {
        guard !closed else { return }
        closed = true
        _ = try? sendFrame(
            opcode: 0x8, payload: [0x03, 0xE8], until: Date().addingTimeInterval(1), shouldStop: { false })
        socket.close()
    }

    private func violation(_ what: String) -> Failure {
        Failure(description: "the inspector broke the WebSocket protocol: \(what)")
    }

    // MARK: - Frames

    private func sendFrame(opcode: UInt8, payload: [UInt8], until deadline: Date, shouldStop: () -> Bool) throws -> Bool
    {
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        let frame = WebSocketFrame.encode(opcode: opcode, payload: payload, mask: mask)
        return try io { try socket.write(frame, until: deadline, shouldStop: shouldStop) }
    }

    private func readFrame(until deadline: Date, shouldStop: () -> Bool, budget: Int) throws -> WebSocketFrame? {
        while true {
            let header: WebSocketFrame.Header?
            do {
                header = try WebSocketFrame.Header.parse(socket.bytes[socket.start...], budget: budget)
            } catch let failure as WebSocketFrame.Violation {
                if failure.tooLarge {
                    throw Failure(
                        description: NetworkLimits.exceeded(
                            "a message from the inspector", limit: limits.profileBytes,
                            variable: NetworkLimits.profileVariable))
                }
                throw violation(failure.description)
            }
            if let header, socket.available >= header.size + header.length {
                let from = socket.start + header.size
                let frame = WebSocketFrame(
                    fin: header.fin, opcode: header.opcode, payload: Array(socket.bytes[from..<(from + header.length)]))
                socket.consume(header.size + header.length)
                return frame
            }
            guard try io({ try socket.fill(until: deadline, shouldStop: shouldStop) }) else { return nil }
        }
    }
}
