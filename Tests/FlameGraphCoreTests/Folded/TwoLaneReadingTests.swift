import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

/// The folded and `perf script` readers cut large inputs in two and read the halves on both cores.
/// Whatever the chunking, the result must be the profile one pass gives: same nodes in the same
/// order, same names, weights, warnings (with their line numbers) and sortedness.
final class TwoLaneReadingTests: XCTestCase {
    /// Real `perf script` text: a recursive C program recorded with `perf record -g`, repeated to a few
    /// hundred kilobytes: with small batches the readers cut it many times.
    static func recordedPerfText() throws -> [UInt8] {
        let perf = try RequiredTool.require("perf", install: "apt-get install linux-perf")
        let cc = try RequiredTool.require("gcc", install: "apt-get install gcc")
        let dir = try makeTemporaryDirectory("lanes")
        defer { removeTemporaryDirectory(dir) }
        try """
        #include <stdlib.h>
        #include <time.h>
        static volatile unsigned long sink;
        __attribute__((noinline)) static void leaf(int n) { for (int i = 0; i < n; i++) sink += i; }
        __attribute__((noinline)) static void walk_left(int d);
        __attribute__((noinline)) static void walk_right(int d) { if (d > 0) walk_left(d - 1); else leaf(3000); sink++; }
        __attribute__((noinline)) static void walk_left(int d) { if (d > 0 && (d * 7 + sink) % 3) walk_right(d - 1); else leaf(2000); sink++; }
        static double cpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
        int main(void) { long k = 0; double start = cpu(); while (cpu() - start < 0.4) walk_left((int)(k++ % 90)); return 0; }
        """.write(toFile: "\(dir)/walk.c", atomically: true, encoding: .utf8)
        let build = try TestProcess.run(
            cc, ["-O1", "-fno-omit-frame-pointer", "-fno-optimize-sibling-calls", "-o", "walk", "walk.c"], in: dir,
            timeout: 60)
        XCTAssertEqual(build.status, 0, build.summary)
        let record = try TestProcess.run(
            perf, ["record", "-q", "-F", "999", "-g", "-o", "perf.data", "--", "./walk"], in: dir, timeout: 120)
        guard record.status == 0 else { try RequiredTool.missing("perf cannot record here: \(record.stderr)") }
        let script = try TestProcess.run(perf, ["script", "-i", "perf.data"], in: dir, timeout: 120)
        XCTAssertEqual(script.status, 0, script.summary)
        var text = Array(script.stdout.utf8)
        // 0.4 s of CPU at 999 Hz: hundreds of samples (allow for a loaded machine's lost ones).
        XCTAssertGreaterThan(text.count, 20_000, "perf recorded too little: \(record.stderr)")
        let one = text
        while text.count < 600_000 { text += one }
        return text
    }

    func assertSameProfile(
        _ a: Profile, _ b: Profile, _ label: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(a.parent, b.parent, "\(label): node parents", file: file, line: line)
        XCTAssertEqual(a.name, b.name, "\(label): node names", file: file, line: line)
        XCTAssertEqual(a.selfWeight, b.selfWeight, "\(label): weights", file: file, line: line)
        XCTAssertEqual(a.selfBefore, b.selfBefore, "\(label): before weights", file: file, line: line)
        XCTAssertEqual(a.unit, b.unit, "\(label): unit", file: file, line: line)
        XCTAssertEqual(a.names.count, b.names.count, "\(label): name count", file: file, line: line)
        for id in 0..<Int32(min(a.names.count, b.names.count)) where a.names.string(id) != b.names.string(id) {
            XCTFail("\(label): name \(id) differs", file: file, line: line)
            break
        }
    }

    static func feed(_ text: [UInt8], chunk: Int, into consume: (UnsafeRawBufferPointer) -> Void) {
        text.withUnsafeBytes { all in
            var i = 0
            while i < all.count {
                consume(UnsafeRawBufferPointer(rebasing: all[i..<min(i + chunk, all.count)]))
                i += chunk
            }
        }
    }

    func testPerfTextCollapsesTheSameOnTwoCores() throws {
        var text = try Self.recordedPerfText()
        // A weird header and a broken frame line in the second half: their warnings and line numbers too.
        let at = text.count * 3 / 4
        let blank = TwoLanes.firstCut(
            text.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[at...]) }, separator: [10, 10])!
        text.insert(contentsOf: Array("!!! not a header\n\tdeadbeef\n\n".utf8), at: at + blank)
        let third = text[(text.count / 3)...].firstIndex(of: 10)! + 1
        text.insert(contentsOf: Array("\tnot-a-frame-line\n".utf8), at: third)

        var alone = PerfScriptCollapser(options: PerfCollapseOptions(), lanes: false)
        alone.consume(text)
        alone.finish()
        XCTAssertFalse(alone.diagnostics.warnings.isEmpty, "the broken lines are noticed")
        for chunk in [text.count, 65_536, 4_099] {
            var lanes = PerfScriptCollapser(
                options: PerfCollapseOptions(), lanes: true, batchBytes: 96 << 10, smallestSplit: 16 << 10)
            Self.feed(text, chunk: chunk) { lanes.consume($0) }
            lanes.finish()
            // One batch when everything comes at once; many when it streams in.
            XCTAssertGreaterThan(lanes.laneBatches, chunk == text.count ? 0 : 3, "chunk \(chunk): both cores used")
            assertSameProfile(lanes.profile, alone.profile, "chunk \(chunk)")
            XCTAssertEqual(FoldedWriter.write(lanes.profile), FoldedWriter.write(alone.profile), "chunk \(chunk)")
            XCTAssertEqual(lanes.diagnostics.warnings, alone.diagnostics.warnings, "chunk \(chunk)")
            XCTAssertEqual(lanes.samplesKept, alone.samplesKept)
            XCTAssertEqual(lanes.samplesFiltered, alone.samplesFiltered)
        }
    }

    func testFoldedTextParsesTheSameOnTwoCores() throws {
        let perfText = try Self.recordedPerfText()
        let sorted = FoldedWriter.write(PerfScriptCollapser.collapse(perfText).profile)
        var lines = sorted.split(separator: 10).map(Array.init)
        // More distinct stacks: each copy under its own process name.
        let base = lines
        var copy = 0
        while lines.reduce(0, { $0 + $1.count + 1 }) < 600_000 {
            copy += 1
            lines += base.map { Array("p\(copy);".utf8) + $0 }
        }
        lines.sort { $0.lexicographicallyPrecedes($1) }
        var text = lines.joined(separator: [10]).map { $0 } + [10]
        // Broken lines and a fractional count late in the input.
        text += Array("no count here\nx;y 0.5\n# mode: cpu\n".utf8)
        // Differential input (`stack BEFORE AFTER`): every line gets a before count.
        let differential =
            lines.map { line -> [UInt8] in
                let space = line.lastIndex(of: 0x20)!
                return Array(line[..<space]) + Array(" 7".utf8) + Array(line[space...])
            }.joined(separator: [10]).map { $0 } + [10]
        for (label, input) in [
            ("sorted", text), ("rotated", Self.rotatedAtTheCut()), ("differential", differential),
        ] {
            var reference = FoldedParser(sourceName: "in", keepSequence: false, lanes: false)
            reference.consume(input)
            reference.finish()
            for chunk in [input.count, 65_536, 4_099] {
                var lanes = FoldedParser(
                    sourceName: "in", keepSequence: false, lanes: true, batchBytes: 96 << 10, smallestSplit: 16 << 10)
                Self.feed(input, chunk: chunk) { lanes.consume($0) }
                lanes.finish()
                XCTAssertGreaterThan(lanes.laneBatches, chunk == input.count ? 0 : 3, "\(label) chunk \(chunk)")
                assertSameProfile(lanes.profile, reference.profile, "\(label) chunk \(chunk)")
                XCTAssertEqual(lanes.isSorted, reference.isSorted, "\(label) chunk \(chunk)")
                XCTAssertEqual(lanes.diagnostics.warnings, reference.diagnostics.warnings, "\(label) chunk \(chunk)")
                XCTAssertEqual(lanes.firstInvalidText, reference.firstInvalidText)
                XCTAssertEqual(lanes.validLines, reference.validLines)
            }
            XCTAssertEqual(reference.isSorted, label != "rotated", label)
            XCTAssertEqual(reference.profile.isDifferential, label == "differential", label)
        }
    }

    /// Equal-length sorted lines, rotated so that the one descent sits exactly where a whole-input
    /// batch is cut in two: only the check across the cut can see it.
    static func rotatedAtTheCut() -> [UInt8] {
        let count = 60_000
        let lines = (0..<count).map { i -> [UInt8] in
            let digits = String(i)
            return Array(("f" + String(repeating: "0", count: 6 - digits.count) + digits + ";g 1\n").utf8)
        }
        // The first part holds count/2 + 1 lines, so its last line holds the middle byte.
        let first = lines[(count / 2 - 1)...].joined().map { $0 }
        let text = first + lines[..<(count / 2 - 1)].joined()
        let cut = text.withUnsafeBytes { TwoLanes.middleCut($0, separator: [10]) }
        XCTAssertEqual(cut, first.count, "the descent is at the cut")
        return text
    }
}
