import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

/// Truncated, bit-flipped, shuffled and random inputs: the collapser must always come back with a
/// profile (it reports problems as warnings, never fails) whose folded form is well-formed.
final class PerfCollapseFuzzTests: XCTestCase {
    static func seedInputs() throws -> [[UInt8]] {
        let root = URL(fileURLWithPath: PeerCases.root)
        var inputs: [[UInt8]] = []
        for path in [
            "inferno/tests/data/collapse-perf/java-inline.txt",
            "inferno/tests/data/collapse-perf/go-stacks.txt",
            "inferno/tests/data/collapse-perf/single-line-stacks.txt",
            "inferno/tests/data/collapse-perf/empty-line.txt",
            "FlameGraph/test/perf-js-stacks-01.txt",
            "FlameGraph/test/perf-java-stacks-02.txt",
        ] {
            inputs.append(Array(try Data(contentsOf: root.appendingPathComponent(path))))
        }
        inputs.append(
            Array(
                "a 1/2 [000] 1.0: 9 cycles:u: \n\t1 f+0x1 (/x)\n\t2 $s4main3fooyyF (/y)\n\t3 a->b (/tmp/perf-1.map)\n\n"
                    .utf8))
        return inputs
    }

    /// Runs one input with a few option sets and chunkings; checks the result is usable.
    func exercise(_ input: [UInt8], _ rng: inout SeededRandom, file: StaticString = #filePath, line: UInt = #line) {
        var options = PerfCollapseOptions()
        options.includeTID = rng.next() % 2 == 0
        options.annotateAll = rng.next() % 2 == 0
        options.includeAddrs = rng.next() % 3 == 0
        if rng.next() % 4 == 0 { options.skipAfter = ["main", "f"] }
        let chunk = 1 + Int(rng.next() % 200)
        var c = PerfScriptCollapser(options: options)
        var i = 0
        while i < input.count {
            c.consume(Array(input[i..<min(i + chunk, input.count)]))
            i += chunk
        }
        c.finish()
        let whole = PerfScriptCollapser.collapse(input, options: options)
        let out = FoldedWriter.write(c.profile)
        XCTAssertEqual(out, FoldedWriter.write(whole.profile), "chunked != whole", file: file, line: line)
        XCTAssertTrue(c.profile.totalWeight.isFinite && c.profile.totalWeight >= 0, file: file, line: line)
        // The folded text reads back to the same total (frames never contain newlines or `;`).
        let back = FoldedParser.parse(out)
        XCTAssertEqual(back.invalidLines, 0, file: file, line: line)
        XCTAssertEqual(back.profile.totalWeight, c.profile.totalWeight, file: file, line: line)
    }

    func testTruncatedInputs() throws {
        var rng = SeededRandom(seed: 1)
        for input in try Self.seedInputs() {
            for _ in 0..<40 {
                let cut = Int(rng.next() % UInt64(input.count + 1))
                exercise(Array(input[..<cut]), &rng)
            }
        }
    }

    func testBitFlippedInputs() throws {
        var rng = SeededRandom(seed: 2)
        for input in try Self.seedInputs() where !input.isEmpty {
            for _ in 0..<40 {
                var m = input
                for _ in 0..<(1 + Int(rng.next() % 20)) {
                    let k = Int(rng.next() % UInt64(m.count))
                    m[k] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
                }
                exercise(m, &rng)
            }
        }
    }

    func testShuffledAndSplicedLines() throws {
        var rng = SeededRandom(seed: 3)
        let inputs = try Self.seedInputs()
        let lines = inputs.flatMap { $0.split(separator: 0x0A, omittingEmptySubsequences: false) }
        for _ in 0..<60 {
            var m: [UInt8] = []
            for _ in 0..<(Int(rng.next() % 200)) {
                m += lines[Int(rng.next() % UInt64(lines.count))]
                m.append(0x0A)
            }
            exercise(m, &rng)
        }
    }

    func testRandomBytes() {
        var rng = SeededRandom(seed: 4)
        let interesting = Array(" \t\n\r:/()[]<>-+0123456789abcdefx;$_.L".utf8)
        for round in 0..<200 {
            var m: [UInt8] = []
            for _ in 0..<(Int(rng.next() % 3000)) {
                let r = rng.next()
                m.append(
                    round % 2 == 0 ? UInt8(truncatingIfNeeded: r) : interesting[Int(r % UInt64(interesting.count))])
            }
            exercise(m, &rng)
        }
    }
}
