/// A bounds-checked little-endian cursor over a nettrace file (perfview `NetTraceFormat_v5.md`).
///
/// Every read checks the bytes left and throws a `.badInput` error naming the source and the byte
/// offset, so a truncated or hostile file ends in one clear message, never a crash.
struct NetTraceBytes {
    let bytes: [UInt8]
    let sourceName: String
    /// The next byte to read (an offset from the start of the file: alignment is relative to it).
    var position: Int
    /// One past the last byte this cursor may read.
    var end: Int

    init(_ bytes: [UInt8], sourceName: String) {
        self.bytes = bytes
        self.sourceName = sourceName
        position = 0
        end = bytes.count
    }

    var remaining: Int { end - position }
    var isAtEnd: Bool { position >= end }

    func failure(_ what: String, at offset: Int? = nil) -> FlameGraphError {
        FlameGraphError(.badInput, "\(sourceName): not a readable nettrace: \(what) at byte \(offset ?? position)")
    }

    mutating func need(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= remaining else {
            throw failure("\(what) runs past the end (\(count) bytes wanted, \(max(remaining, 0)) left)")
        }
    }

    mutating func skip(_ count: Int, _ what: String = "data") throws {
        try need(count, what)
        position += count
    }

    mutating func u8() throws -> UInt8 {
        try need(1, "a byte")
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() throws -> UInt16 {
        try need(2, "a 16-bit field")
        defer { position += 2 }
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    mutating func u32() throws -> UInt32 {
        try need(4, "a 32-bit field")
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[position + k]) << (8 * UInt32(k)) }
        position += 4
        return v
    }

    mutating func u64() throws -> UInt64 {
        try need(8, "a 64-bit field")
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += 8
        return v
    }

    mutating func i32() throws -> Int32 { Int32(bitPattern: try u32()) }
    mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }

    /// A non-negative 32-bit length or count.
    mutating func length(_ what: String) throws -> Int {
        let start = position
        let v = try i32()
        guard v >= 0 else { throw failure("negative \(what) \(v)", at: start) }
        return Int(v)
    }

    /// 7 bits per byte, least significant first (header compression).
    mutating func varUInt64() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
            if shift >= 64 { throw failure("a variable-length number longer than 10 bytes") }
        }
    }

    mutating func varUInt32() throws -> UInt32 { UInt32(truncatingIfNeeded: try varUInt64()) }

    /// Skips the zero padding that brings the file offset to a multiple of 4.
    mutating func alignTo4() throws {
        let pad = (4 - position % 4) % 4
        try skip(pad, "alignment padding")
    }

    /// A UTF-16LE string ended by a 0 code unit (metadata names, event payload strings).
    mutating func utf16z() throws -> String {
        var units: [UInt16] = []
        while true {
            let u = try u16()
            if u == 0 { break }
            units.append(u)
            if units.count > 1 << 20 { throw failure("a string longer than 1 Mi characters") }
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// A 4-byte length then that many UTF-8 bytes (FastSerialization type names).
    mutating func lengthPrefixedUTF8() throws -> String {
        let n = try length("string length")
        try need(n, "a string")
        defer { position += n }
        return String(decoding: bytes[position..<position + n], as: UTF8.self)
    }

    /// A cursor over the next `count` bytes (same file offsets); this one moves past them.
    mutating func sub(_ count: Int, _ what: String) throws -> NetTraceBytes {
        try need(count, what)
        var out = self
        out.end = position + count
        position += count
        return out
    }
}
