import XCTest

@testable import FlameGraphCore

final class PprofProtobufReaderTests: XCTestCase {
    /// Asserts that `body` throws a bad-input error whose message contains every one of `fragments`.
    func assertBadInput(
        _ fragments: String..., file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) {
        do {
            try body()
            XCTFail("expected a bad-input error containing \(fragments)", file: file, line: line)
        } catch let error as FlameGraphError {
            XCTAssertEqual(error.kind, .badInput, error.message, file: file, line: line)
            for f in fragments {
                XCTAssertTrue(error.message.contains(f), "'\(error.message)' lacks '\(f)'", file: file, line: line)
            }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func testVarints() throws {
        let values: [UInt64] = [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 32, UInt64(Int64.max), UInt64.max]
        var e = ProtobufTestEncoder()
        for v in values { e.varint(v) }
        var r = ProtobufReader(e.bytes)
        for v in values { XCTAssertEqual(try r.readVarint(), v) }
        XCTAssertTrue(r.isAtEnd)
        // Known encodings.
        var three = ProtobufReader([0xAC, 0x02])
        XCTAssertEqual(try three.readVarint(), 300)
        var maxed = ProtobufReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        XCTAssertEqual(try maxed.readVarint(), UInt64.max)
        // Non-minimal encodings are accepted, as protobuf parsers do.
        var padded = ProtobufReader([0x81, 0x80, 0x00])
        XCTAssertEqual(try padded.readVarint(), 1)
    }

    func testVarintErrors() {
        assertBadInput("varint at byte 0", "past the end") {
            var r = ProtobufReader([0x80, 0x80])
            _ = try r.readVarint()
        }
        assertBadInput("varint at byte 1", "64 bits") {
            var r = ProtobufReader([0x00] + [UInt8](repeating: 0xFF, count: 9) + [0x02])
            _ = try r.readVarint()
            _ = try r.readVarint()
        }
        assertBadInput("64 bits") {
            var r = ProtobufReader([UInt8](repeating: 0x80, count: 11) + [0x00])
            _ = try r.readVarint()
        }
        assertBadInput("varint at byte 0", "past the end") {
            var r = ProtobufReader([])
            _ = try r.readVarint()
        }
    }

    func testFixedWidthValues() throws {
        var e = ProtobufTestEncoder()
        e.fixed64(1, 0x0102_0304_0506_0708)
        e.fixed32(2, 0xDEAD_BEEF)
        var r = ProtobufReader(e.bytes)
        let f1 = try XCTUnwrap(r.nextField())
        XCTAssertEqual(f1, .init(number: 1, wireType: .fixed64, offset: 0))
        XCTAssertEqual(try r.readFixed64(), 0x0102_0304_0506_0708)
        let f2 = try XCTUnwrap(r.nextField())
        XCTAssertEqual(f2, .init(number: 2, wireType: .fixed32, offset: 9))
        XCTAssertEqual(try r.readFixed32(), 0xDEAD_BEEF)
        XCTAssertNil(try r.nextField())

        assertBadInput("64-bit value at byte 1", "needs 8 bytes but only 3 remain") {
            var r = ProtobufReader([0x09, 1, 2, 3])
            _ = try r.nextField()
            _ = try r.readFixed64()
        }
        assertBadInput("32-bit value at byte 1", "needs 4 bytes but only 2 remain") {
            var r = ProtobufReader([0x0D, 1, 2])
            _ = try r.nextField()
            _ = try r.readFixed32()
        }
    }

    func testLengthDelimitedAndNestedMessages() throws {
        var e = ProtobufTestEncoder()
        e.string(1, "hello")
        e.message(2) { m in
            m.uint(1, 42)
            m.string(2, "inner")
        }
        e.uint(3, 7)
        let bytes = e.bytes
        var r = ProtobufReader(bytes)

        let f1 = try XCTUnwrap(r.nextField())
        XCTAssertEqual(f1.number, 1)
        let hello = try r.readBytesRange(f1)
        XCTAssertEqual(String(decoding: bytes[hello], as: UTF8.self), "hello")

        let f2 = try XCTUnwrap(r.nextField())
        var inner = try r.readMessage(f2)
        let g1 = try XCTUnwrap(inner.nextField())
        XCTAssertEqual(try inner.readUInt64(g1), 42)
        let g2 = try XCTUnwrap(inner.nextField())
        XCTAssertEqual(String(decoding: bytes[try inner.readBytesRange(g2)], as: UTF8.self), "inner")
        XCTAssertNil(try inner.nextField(), "a sub-reader stops at its message's end")

        let f3 = try XCTUnwrap(r.nextField())
        XCTAssertEqual(try r.readUInt64(f3), 7)
        XCTAssertNil(try r.nextField())
    }

    func testLengthsAreCheckedAgainstTheBytesLeft() {
        // Field 1, length 100, 3 bytes of data.
        assertBadInput("length-delimited value at byte 1", "claims 100 bytes but only 3 remain") {
            var r = ProtobufReader([0x0A, 100, 1, 2, 3])
            let f = try XCTUnwrap(r.nextField())
            _ = try r.readBytesRange(f)
        }
        // A length that does not fit in Int.
        assertBadInput("claims 18446744073709551615 bytes") {
            var r = ProtobufReader([0x0A] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
            let f = try XCTUnwrap(r.nextField())
            _ = try r.readBytesRange(f)
        }
        // An inner message cannot read past its own end even when the outer buffer goes on.
        assertBadInput("varint at byte 2", "past the end of its data (byte 3)") {
            var r = ProtobufReader([0x0A, 0x01, 0x80, 0x01, 0x08, 0x01])
            let f = try XCTUnwrap(r.nextField())
            var inner = try r.readMessage(f)
            _ = try inner.readVarint()
        }
    }

    func testNegativeInt64TakesTenBytes() throws {
        var e = ProtobufTestEncoder()
        e.int(1, -1)
        e.int(2, Int64.min)
        XCTAssertEqual(e.bytes.count, 22)
        var r = ProtobufReader(e.bytes)
        XCTAssertEqual(try r.readInt64(try XCTUnwrap(r.nextField())), -1)
        XCTAssertEqual(try r.readInt64(try XCTUnwrap(r.nextField())), Int64.min)
    }

    func testPackedAndUnpackedRepeatedFields() throws {
        var e = ProtobufTestEncoder()
        e.packed(1, [1, 300, UInt64.max] as [UInt64])
        e.uint(1, 5)
        e.uint(1, 6)
        e.packed(1, [] as [UInt64])
        e.packed(2, [-1, 0, 1_000_000_000_000] as [Int64])
        e.int(2, -7)
        var r = ProtobufReader(e.bytes)
        var unsigned: [UInt64] = []
        var signed: [Int64] = []
        while let f = try r.nextField() {
            if f.number == 1 {
                try r.readRepeatedUInt64(f, into: &unsigned)
            } else {
                try r.readRepeatedInt64(f, into: &signed)
            }
        }
        XCTAssertEqual(unsigned, [1, 300, UInt64.max, 5, 6])
        XCTAssertEqual(signed, [-1, 0, 1_000_000_000_000, -7])

        // A packed run whose last varint is cut off by the run's length.
        assertBadInput("varint at byte 3", "past the end of its data (byte 4)") {
            var r = ProtobufReader([0x0A, 0x02, 0x01, 0x80, 0x01])
            var out: [UInt64] = []
            try r.readRepeatedUInt64(try XCTUnwrap(r.nextField()), into: &out)
        }
        // A repeated varint field cannot be 64-bit.
        assertBadInput("field 1 at byte 0 has wire type 64-bit, expected varint") {
            var r = ProtobufReader([0x09, 0, 0, 0, 0, 0, 0, 0, 0])
            var out: [UInt64] = []
            try r.readRepeatedUInt64(try XCTUnwrap(r.nextField()), into: &out)
        }
    }

    func testUnknownFieldsOfEveryWireTypeAreSkipped() throws {
        var e = ProtobufTestEncoder()
        e.uint(100, 12345)
        e.fixed64(101, 1)
        e.fixed32(102, 2)
        e.string(103, "skip me")
        // A group with a nested group and a value inside.
        e.key(104, 3)
        e.uint(1, 9)
        e.key(105, 3)
        e.string(2, "x")
        e.key(105, 4)
        e.key(104, 4)
        e.uint(1, 77)
        var r = ProtobufReader(e.bytes)
        var seen: [UInt64] = []
        while let f = try r.nextField() {
            if f.number == 1 { seen.append(try r.readUInt64(f)) } else { try r.skip(f) }
        }
        XCTAssertEqual(seen, [77])
    }

    func testMalformedKeysAndGroups() {
        assertBadInput("field key at byte 0", "invalid wire type 6") {
            var r = ProtobufReader([0x0E])
            _ = try r.nextField()
        }
        assertBadInput("field key at byte 0", "invalid field number 0") {
            var r = ProtobufReader([0x00])
            _ = try r.nextField()
        }
        assertBadInput("invalid field number 536870912") {
            var e = ProtobufTestEncoder()
            e.key(536_870_912, 0)
            var r = ProtobufReader(e.bytes)
            _ = try r.nextField()
        }
        assertBadInput("end-group for field 2 at byte 0 without a start-group") {
            var r = ProtobufReader([0x14])
            try r.skip(try XCTUnwrap(r.nextField()))
        }
        assertBadInput("group for field 1 at byte 0 is not closed") {
            var r = ProtobufReader([0x0B, 0x10, 0x01])
            try r.skip(try XCTUnwrap(r.nextField()))
        }
        assertBadInput("end-group for field 2 at byte 1 does not match start-group 1") {
            var r = ProtobufReader([0x0B, 0x14])
            try r.skip(try XCTUnwrap(r.nextField()))
        }
        assertBadInput("nested deeper than 64") {
            var r = ProtobufReader([UInt8](repeating: 0x0B, count: 100_000))
            try r.skip(try XCTUnwrap(r.nextField()))
        }
        assertBadInput("field 1 at byte 0 has wire type varint, expected length-delimited") {
            var r = ProtobufReader([0x08, 0x01])
            _ = try r.readMessage(try XCTUnwrap(r.nextField()))
        }
    }

    func testClampedRanges() throws {
        var r = ProtobufReader([0x08, 0x01], range: -5..<100)
        XCTAssertEqual(r.remaining, 2)
        XCTAssertEqual(try r.readUInt64(try XCTUnwrap(r.nextField())), 1)
        let empty = ProtobufReader([1, 2, 3], range: 7..<9)
        XCTAssertTrue(empty.isAtEnd)
    }
}
