/// One WebSocket frame (RFC 6455 §5.2) as a client sees it: headers parsed strictly, since the server
/// is untrusted.
struct WebSocketFrame {
    var fin: Bool
    var opcode: UInt8
    var payload: [UInt8]

    struct Violation: Error, CustomStringConvertible {
        var description: String
        /// The frame is valid but larger than what the message may still hold.
        var tooLarge = false
    }

    struct Header {
        var fin: Bool
        var opcode: UInt8
        /// Bytes of header before the payload.
        var size: Int
        var length: Int

        /// The header at the start of `bytes`; `nil` while it is incomplete. A payload longer than
        /// `budget` (what the message may still grow by) is refused before a byte of it is buffered.
        static func parse(_ bytes: ArraySlice<UInt8>, budget: Int) throws -> Header? {
            guard bytes.count >= 2 else { return nil }
            let b0 = bytes[bytes.startIndex]
            let b1 = bytes[bytes.startIndex + 1]
            let fin = b0 & 0x80 != 0
            let opcode = b0 & 0x0F
            guard b0 & 0x70 == 0 else { throw Violation(description: "reserved bits set without an extension") }
            guard [0x0, 0x1, 0x2, 0x8, 0x9, 0xA].contains(opcode) else {
                throw Violation(description: "reserved opcode \(opcode)")
            }
            guard b1 & 0x80 == 0 else { throw Violation(description: "a masked frame (servers must not mask)") }
            var length = UInt64(b1 & 0x7F)
            var size = 2
            if length == 126 {
                guard bytes.count >= 4 else { return nil }
                length = UInt64(bytes[bytes.startIndex + 2]) << 8 | UInt64(bytes[bytes.startIndex + 3])
                size = 4
            } else if length == 127 {
                guard bytes.count >= 10 else { return nil }
                length = 0
                for i in 2..<10 { length = length << 8 | UInt64(bytes[bytes.startIndex + i]) }
                size = 10
            }
            if opcode >= 0x8 {
                guard length <= 125 else {
                    throw Violation(description: "a control frame of \(length) bytes (the limit is 125)")
                }
                guard fin else { throw Violation(description: "a fragmented control frame") }
            } else if length > UInt64(max(budget, 0)) {
                throw Violation(description: "a frame of \(length) bytes", tooLarge: true)
            }
            return Header(fin: fin, opcode: opcode, size: size, length: Int(length))
        }
    }

    /// A client frame: FIN set, masked with `mask` (4 bytes).
    static func encode(opcode: UInt8, payload: [UInt8], mask: [UInt8]) -> [UInt8] {
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
        frame += mask
        frame.reserveCapacity(frame.count + n)
        for (i, b) in payload.enumerated() { frame.append(b ^ mask[i & 3]) }
        return frame
    }
}
