// Why a hand-written reader and not swift-protobuf: pprof needs a dozen fields of one fixed schema,
// while swift-protobuf plus its code-generator plugin costs ~10 minutes of build on a 2-core CI machine.
// This reader is small, checks every length against the bytes left, and is fuzzed by the tests.

/// Reads protobuf wire format from a byte array, one field at a time, without copying.
///
/// A reader covers `bytes[position..<end]`; `readMessage()` returns a reader over an embedded message.
/// Every failure throws a `.badInput` error that names the byte offset (from the start of `bytes`).
struct ProtobufReader {
    enum WireType: UInt8, CustomStringConvertible {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5

        var description: String {
            switch self {
            case .varint: "varint"
            case .fixed64: "64-bit"
            case .lengthDelimited: "length-delimited"
            case .startGroup: "start-group"
            case .endGroup: "end-group"
            case .fixed32: "32-bit"
            }
        }
    }

    /// A field's key: its number, wire type, and the offset of the key itself.
    struct Field: Equatable {
        var number: Int
        var wireType: WireType
        var offset: Int
    }

    /// The whole buffer (shared, never copied); offsets in errors are indices into it.
    let bytes: [UInt8]
    /// The next byte to read.
    private(set) var position: Int
    /// One past the last byte this reader may read.
    let end: Int

    /// Deepest nesting of groups that `skip` follows (groups are obsolete; pprof never uses them).
    static let maxGroupDepth = 64

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
        end = bytes.count
    }

    /// A reader over `range` of `bytes`, clamped to the array.
    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        end = min(max(range.upperBound, 0), bytes.count)
        position = min(max(range.lowerBound, 0), end)
    }

    var isAtEnd: Bool { position >= end }

    /// Bytes left to read.
    var remaining: Int { end - position }

    static func error(_ message: String) -> FlameGraphError {
        FlameGraphError(.badInput, message)
    }

    // MARK: - Primitives

    /// A base-128 varint of at most 10 bytes whose value fits in 64 bits.
    mutating func readVarint() throws -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else {
                throw Self.error("varint at byte \(start) runs past the end of its data (byte \(end))")
            }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 {
                throw Self.error("varint at byte \(start) does not fit in 64 bits")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// A little-endian 64-bit value.
    mutating func readFixed64() throws -> UInt64 {
        guard remaining >= 8 else {
            throw Self.error("64-bit value at byte \(position) needs 8 bytes but only \(remaining) remain")
        }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += 8
        return v
    }

    /// A little-endian 32-bit value.
    mutating func readFixed32() throws -> UInt32 {
        guard remaining >= 4 else {
            throw Self.error("32-bit value at byte \(position) needs 4 bytes but only \(remaining) remain")
        }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[position + k]) << (8 * UInt32(k)) }
        position += 4
        return v
    }

    /// A length prefix and that many bytes; returns their range in `bytes`.
    mutating func readLengthDelimited() throws -> Range<Int> {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw Self.error(
                "length-delimited value at byte \(start) claims \(length) bytes but only \(remaining) remain")
        }
        let range = position..<position + Int(length)
        position = range.upperBound
        return range
    }

    // MARK: - Fields

    /// The next field's key, or nil at the end of this reader's data.
    mutating func nextField() throws -> Field? {
        guard position < end else { return nil }
        let offset = position
        let key = try readVarint()
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw Self.error("field key at byte \(offset) has invalid wire type \(key & 7)")
        }
        let number = key >> 3
        guard number >= 1 && number <= 536_870_911 else {
            throw Self.error("field key at byte \(offset) has invalid field number \(number)")
        }
        return Field(number: Int(number), wireType: wireType, offset: offset)
    }

    /// Skips the value of `field` (whose key was just read), whatever its type.
    mutating func skip(_ field: Field) throws {
        switch field.wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32: _ = try readFixed32()
        case .endGroup:
            throw Self.error("end-group for field \(field.number) at byte \(field.offset) without a start-group")
        case .startGroup:
            // Skip to the matching end-group, following nested groups iteratively.
            var open = [field.number]
            while let last = open.last {
                guard let inner = try nextField() else {
                    throw Self.error("group for field \(field.number) at byte \(field.offset) is not closed")
                }
                switch inner.wireType {
                case .startGroup:
                    guard open.count < Self.maxGroupDepth else {
                        throw Self.error("groups nested deeper than \(Self.maxGroupDepth) at byte \(inner.offset)")
                    }
                    open.append(inner.number)
                case .endGroup:
                    guard inner.number == last else {
                        throw Self.error(
                            "end-group for field \(inner.number) at byte \(inner.offset) does not match start-group \(last)"
                        )
                    }
                    open.removeLast()
                default:
                    try skip(inner)
                }
            }
        }
    }

    private func expect(_ field: Field, _ wireType: WireType) throws {
        guard field.wireType == wireType else {
            throw Self.error(
                "field \(field.number) at byte \(field.offset) has wire type \(field.wireType), expected \(wireType)")
        }
    }

    /// A `uint64`/`uint32`/`bool`/enum field.
    mutating func readUInt64(_ field: Field) throws -> UInt64 {
        try expect(field, .varint)
        return try readVarint()
    }

    /// An `int64`/`int32` field (two's complement varint, negative values take 10 bytes).
    mutating func readInt64(_ field: Field) throws -> Int64 {
        Int64(bitPattern: try readUInt64(field))
    }

    /// A `bool` field.
    mutating func readBool(_ field: Field) throws -> Bool {
        try readUInt64(field) != 0
    }

    /// A `string`/`bytes` field: the range of its bytes in `bytes`.
    mutating func readBytesRange(_ field: Field) throws -> Range<Int> {
        try expect(field, .lengthDelimited)
        return try readLengthDelimited()
    }

    /// An embedded message field: a reader over it.
    mutating func readMessage(_ field: Field) throws -> ProtobufReader {
        ProtobufReader(bytes, range: try readBytesRange(field))
    }

    /// One element (unpacked) or a packed run of a repeated varint field, appended to `values`.
    mutating func readRepeatedUInt64(_ field: Field, into values: inout [UInt64]) throws {
        switch field.wireType {
        case .varint:
            values.append(try readVarint())
        case .lengthDelimited:
            var packed = ProtobufReader(bytes, range: try readLengthDelimited())
            // Each element takes at least one byte, so this is bounded by the input.
            values.reserveCapacity(values.count + packed.remaining)
            while !packed.isAtEnd { values.append(try packed.readVarint()) }
        default:
            try expect(field, .varint)
        }
    }

    /// `readRepeatedUInt64` for `int64` elements.
    mutating func readRepeatedInt64(_ field: Field, into values: inout [Int64]) throws {
        switch field.wireType {
        case .varint:
            values.append(Int64(bitPattern: try readVarint()))
        case .lengthDelimited:
            var packed = ProtobufReader(bytes, range: try readLengthDelimited())
            values.reserveCapacity(values.count + packed.remaining)
            while !packed.isAtEnd { values.append(Int64(bitPattern: try packed.readVarint())) }
        default:
            try expect(field, .varint)
        }
    }
}
