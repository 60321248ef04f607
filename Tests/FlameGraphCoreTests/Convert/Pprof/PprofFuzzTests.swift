import Foundation
import XCTest

@testable import FlameGraphCore

/// Damaged and hostile inputs: each must decode or throw a bad-input error — never crash, hang or
/// allocate without bound. A crash fails the whole test process, so reaching the end is the check.
final class PprofFuzzTests: XCTestCase {
    /// Decodes `bytes`; fails the test on any outcome but success or a bad-input error.
    /// Returns whether it succeeded.
    @discardableResult
    func survive(
        _ bytes: [UInt8], _ context: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line
    )
        -> Bool
    {
        do {
            let (profile, _) = try PprofTestSupport.decode(bytes, source: "fuzz")
            XCTAssertGreaterThan(profile.totalWeight, 0, context(), file: file, line: line)
            return true
        } catch let error as FlameGraphError {
            XCTAssertEqual(error.kind, .badInput, "\(context()): \(error.message)", file: file, line: line)
            XCTAssertTrue(error.message.hasPrefix("fuzz: "), "\(context()): \(error.message)", file: file, line: line)
            return false
        } catch {
            XCTFail("\(context()): unexpected error \(error)", file: file, line: line)
            return false
        }
    }

    func testTruncationAtEveryOffset() {
        let raw = PprofDecoderTests.handBuilt()
        var decoded = 0
        for n in 0..<raw.count where survive(Array(raw[..<n]), "raw cut at \(n)") { decoded += 1 }
        // Cuts on field boundaries leave valid, smaller profiles; most cuts do not.
        XCTAssertLessThan(decoded, raw.count / 4)

        let gz = PprofTestSupport.gzip(raw)
        for n in 0..<gz.count {
            do {
                _ = try PprofTestSupport.decode(Array(gz[..<n]), source: "fuzz")
                XCTFail("gzip cut at \(n) of \(gz.count) decoded")
            } catch let error as FlameGraphError {
                XCTAssertEqual(error.kind, .badInput, error.message)
                if n >= 2 {
                    // Past the magic number, a cut is a truncated stream (or a header zlib rejects).
                    XCTAssertTrue(
                        error.message.contains("gzip data ends early at byte \(n)")
                            || error.message.contains("corrupt gzip data"), "cut at \(n): \(error.message)")
                }
            } catch {
                XCTFail("gzip cut at \(n): \(error)")
            }
        }
    }

    func testEveryBitFlip() {
        let raw = PprofDecoderTests.handBuilt()
        for i in 0..<raw.count {
            for bit in 0..<8 {
                var damaged = raw
                damaged[i] ^= 1 << bit
                survive(damaged, "raw byte \(i) bit \(bit)")
            }
        }
        // In gzip data the CRC catches damage to the body; header flips may still decode.
        let gz = PprofTestSupport.gzip(raw)
        for i in 0..<gz.count {
            for bit in 0..<8 {
                var damaged = gz
                damaged[i] ^= 1 << bit
                survive(damaged, "gzip byte \(i) bit \(bit)")
            }
        }
    }

    func testRandomBytes() {
        var rng = SeededRandom(seed: 0x5EED)
        for round in 0..<3000 {
            let count = Int.random(in: 0...400, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            switch round % 3 {
            case 1 where bytes.count >= 2:
                bytes[0] = 0x1F  // claim to be gzip
                bytes[1] = 0x8B
            case 2:
                // Mostly small varints and plausible keys, which reach deeper into the decoder.
                bytes = bytes.map { $0 & 0x3F }
            default:
                break
            }
            survive(bytes, "random round \(round)")
        }
    }

    /// Splices random fragments of a valid profile together: structurally plausible garbage.
    func testSplicedProfiles() {
        let raw = PprofDecoderTests.handBuilt()
        var rng = SeededRandom(seed: 42)
        for round in 0..<2000 {
            var out: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let a = Int.random(in: 0..<raw.count, using: &rng)
                let b = Int.random(in: a...raw.count, using: &rng)
                out += raw[a..<b]
            }
            survive(out, "splice round \(round)")
        }
    }

    /// Hostile values that pass the wire format: huge ids, counts, lengths and indices.
    func testHostileValues() {
        typealias Line = PprofTestBuilder.Line
        // A dense-looking id far beyond the count would allocate a huge table if trusted.
        var b = PprofTestBuilder()
        b.sampleType("samples", "count")
        b.sample([UInt64.max], [1])
        b.location(id: UInt64.max, address: UInt64.max, lines: [])
        b.location(id: 1 << 62, lines: [])
        XCTAssertTrue(survive(b.build(), "huge ids"))

        // Values at the extremes.
        var v = PprofTestBuilder()
        v.sampleType("samples", "count")
        v.sample([1], [Int64.max])
        v.sample([1], [Int64.min])
        v.location(id: 1, address: 1, lines: [])
        XCTAssertTrue(survive(v.build(), "extreme values"))

        // A million empty samples in a few megabytes: linear, no blow-up.
        var many = PprofTestBuilder()
        many.sampleType("samples", "count")
        for _ in 0..<200_000 { many.sample([1], [1]) }
        many.location(id: 1, address: 1, lines: [])
        let start = Date()
        XCTAssertTrue(survive(many.build(), "many samples"))
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)

        // A deep but legitimate stack (a recursion 5,000 deep) is kept whole.
        var deep = PprofTestBuilder()
        deep.sampleType("samples", "count")
        deep.sample([UInt64](repeating: 1, count: 5000) + [2], [1])
        deep.location(id: 1, lines: [Line(function: 1)])
        deep.location(id: 2, lines: [Line(function: 2)])
        deep.function(id: 1, name: "recurse")
        deep.function(id: 2, name: "main")
        do {
            let (profile, _) = try PprofTestSupport.decode(deep.build())
            XCTAssertEqual(profile.nodeCount, 5002)
        } catch {
            XCTFail("deep stack: \(error)")
        }
    }

    func testGzipBombThroughTheDecoderIsCapped() {
        // Gzip of 32 MiB of a repeated (valid-looking) protobuf key, decoded under an 8 MiB cap.
        var e = ProtobufTestEncoder()
        e.uint(9, 1)
        let unit = e.bytes
        var big: [UInt8] = []
        big.reserveCapacity(32 << 20)
        while big.count < 32 << 20 { big += unit }
        let bomb = PprofTestSupport.gzip(big, level: 9)
        var options = PprofOptions()
        options.maxDecompressedBytes = 8 << 20
        do {
            _ = try PprofDecoder.decode(bomb, sourceName: "bomb", options: options)
            XCTFail("bomb decoded")
        } catch let error as FlameGraphError {
            XCTAssertEqual(error.kind, .badInput)
            XCTAssertTrue(error.message.hasPrefix("bomb: gzip data expands to more than 8388608 bytes"), error.message)
        } catch {
            XCTFail("\(error)")
        }
    }
}
