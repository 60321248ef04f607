import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

/// `PerfTimeSlices` on real `perf script` text: N contiguous byte ranges covering the text, each
/// holding exactly the samples whose timestamps fall in its equal time window, whatever the chunking.
final class PerfTimeSlicesTests: XCTestCase {
    /// `perf script` of a ~1 s Python run recorded here.
    static func recordedScript(fields: [String]? = nil) throws -> [UInt8] {
        let perf = try RequiredTool.require("perf", install: "apt-get install linux-perf")
        let python = try RequiredTool.require("python3", install: "apt-get install python3")
        let dir = try makeTemporaryDirectory("fg-slices")
        defer { removeTemporaryDirectory(dir) }
        let record = try TestProcess.run(
            perf,
            [
                "record", "-q", "-F", "499", "-g", "-o", dir + "/p.data", "--", python, "-c",
                "sum(i*i for i in range(5000000))",
            ])
        XCTAssertEqual(record.status, 0, record.summary)
        let script = try TestProcess.run(
            perf, ["script", "-i", dir + "/p.data"] + (fields.map { ["-F", $0.joined(separator: ",")] } ?? []))
        XCTAssertEqual(script.status, 0, script.summary)
        return [UInt8](script.stdoutData)
    }

    /// Each sample's header line offset and timestamp, found the plain way: blocks split on blank lines.
    static func samples(_ text: [UInt8]) -> [(offset: Int, time: Double)] {
        var found: [(Int, Double)] = []
        var lineStart = 0
        var previousBlank = true
        for (i, b) in text.enumerated() where b == 0x0A {
            let line = String(decoding: text[lineStart..<i], as: UTF8.self)
            if previousBlank && !line.isEmpty,
                let token = line.split(separator: " ").first(where: { $0.hasSuffix(":") && $0.contains(".") }),
                let t = Double(token.dropLast())
            {
                found.append((lineStart, t))
            }
            previousBlank = line.isEmpty
            lineStart = i + 1
        }
        return found
    }

    func testWindowsHoldTheSamplesOfTheirTimeWhateverTheChunking() throws {
        let text = try Self.recordedScript()
        let expected = Self.samples(text)
        XCTAssertGreaterThan(expected.count, 100, "a second at 499 Hz")
        let first = expected.map(\.time).min()!, last = expected.map(\.time).max()!
        for chunkSize in [1 << 20, 4096, 7] {
            var slices = PerfTimeSlices()
            var at = 0
            while at < text.count {
                let end = min(text.count, at + chunkSize)
                text[at..<end].withUnsafeBytes { slices.consume($0) }
                at = end
            }
            slices.finish()
            XCTAssertEqual(slices.sampleCount, expected.count, "chunks of \(chunkSize)")
            XCTAssertEqual(slices.timeSpan?.first, first)
            XCTAssertEqual(slices.timeSpan?.last, last)
            let ranges = slices.ranges(count: 4)
            XCTAssertEqual(ranges.count, 4)
            XCTAssertEqual(ranges.first?.lowerBound, 0)
            XCTAssertEqual(ranges.last?.upperBound, text.count)
            for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound, "contiguous") }
            let width = (last - first) / 4
            var placed = 0
            for (k, range) in ranges.enumerated() {
                let inside = expected.filter { range.contains($0.offset) }
                placed += inside.count
                for s in inside {
                    let window = min(3, Int((s.time - first) / width))
                    XCTAssertEqual(window, k, "sample at \(s.time) in window \(k)")
                }
            }
            XCTAssertEqual(placed, expected.count, "every sample in exactly one window")
            XCTAssertFalse(ranges[0].isEmpty || ranges[3].isEmpty, "the first and last samples open and close the span")
        }
    }

    func testEachRangeCollapsesToItsShareAndTheRangesSumToTheWhole() throws {
        let text = try Self.recordedScript()
        var slices = PerfTimeSlices()
        slices.consume(text)
        slices.finish()
        let whole = PerfScriptCollapser.collapse(text).profile
        var merged = Profile()
        for range in slices.ranges(count: 5) {
            merged.merge(PerfScriptCollapser.collapse(Array(text[range])).profile)
        }
        XCTAssertEqual(merged.totalWeight, whole.totalWeight)
        XCTAssertEqual(FoldedWriter.write(merged), FoldedWriter.write(whole))
    }

    func testTextWithoutTimestampsIsOneRange() throws {
        let text = try Self.recordedScript(fields: ["comm", "pid", "ip", "sym"])
        var slices = PerfTimeSlices()
        slices.consume(text)
        slices.finish()
        XCTAssertNil(slices.timeSpan)
        XCTAssertEqual(slices.ranges(count: 3), [0..<text.count, text.count..<text.count, text.count..<text.count])
    }
}
