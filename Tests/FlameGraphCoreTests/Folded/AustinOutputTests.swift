import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

/// Austin (a real CPython frame-stack sampler, PyPI `austin-dist`) writes folded stacks framed by
/// `# key: value` metadata lines. They are comments, not stacks; `# mode:` says the counts are
/// microseconds (wall or CPU time).
final class AustinOutputTests: XCTestCase {
    func testAustinMetadataIsNotReadAsStacksAndTheHotFunctionDominates() throws {
        let austin = try RequiredTool.require("austin", install: "pip install austin-dist==3.7.0")
        // Austin reads the interpreter's memory: it needs a plain CPython binary (not a pyenv shim).
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let python else { try RequiredTool.missing("a system python3 for austin to sample") }
        let dir = try makeTemporaryDirectory("austin")
        defer { removeTemporaryDirectory(dir) }
        let run = try TestProcess.run(
            // -t: Austin gives a starting interpreter 100 ms to show up by default; a loaded CI machine
            // needs longer, or Austin calls it "not a Python process".
            // The shared workload with hot() doing ten times warm()'s work, for 1.5 s.
            austin,
            [
                "-i", "1ms", "-t", "10s", "-o", "\(dir)/austin.txt", python, Fixtures.pythonWorkload, "--ratio", "10",
                "--seconds", "1.5",
            ], in: dir, timeout: 120)
        XCTAssertEqual(run.status, 0, run.summary)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: "\(dir)/austin.txt")))
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n")
        XCTAssertTrue(lines.first?.hasPrefix("# austin: ") ?? false, "Austin's own header: \(lines.prefix(3))")
        XCTAssertTrue(lines.contains { $0.hasPrefix("# duration: ") }, "Austin's own trailer")

        // Read as `file` and `collapse` read any input: sniffed, then parsed.
        var reader = ProfileReader(sourceName: "austin.txt")
        try reader.consume(bytes)
        let decoded = try reader.finish()
        XCTAssertEqual(decoded.format, .folded)
        let profile = decoded.profile
        // The total is the sum of the sample lines' counts, and no metadata line became a frame.
        let sampleTotal = lines.filter { !$0.hasPrefix("#") }.compactMap { Double($0.split(separator: " ").last!) }
            .reduce(0, +)
        XCTAssertEqual(profile.totalWeight, sampleTotal)
        for id in 0..<Int32(profile.names.count) {
            XCTAssertFalse(profile.names.string(id).hasPrefix("#"), "metadata read as a frame")
        }
        XCTAssertTrue(decoded.diagnostics.warnings.isEmpty, "\(decoded.diagnostics.warnings)")
        XCTAssertEqual(profile.unit, .microseconds, "wall-time mode counts microseconds")
        // hot() does ten times warm()'s work.
        let hot = weightShare(profile) { $0.contains(":hot:") }
        let warm = weightShare(profile) { $0.contains(":warm:") }
        XCTAssertGreaterThan(hot, 0.6, "hot() share \(hot)")
        XCTAssertGreaterThan(hot, 4 * warm, "hot() \(hot) vs warm() \(warm)")
    }

    func testCommentLinesAreSkippedAndMemoryModeCountsBytes() {
        let text = "# austin: 3.7.0\n# interval: 100\n# mode: memory\n\nP1;T1;a.py:f:3 2048\n\n# duration: 23873\n"
        let parser = FoldedParser.parse(Array(text.utf8))
        XCTAssertEqual(parser.validLines, 1)
        XCTAssertEqual(parser.invalidLines, 0)
        XCTAssertEqual(parser.profile.totalWeight, 2048)
        XCTAssertEqual(parser.profile.unit, .bytes)
        // A frame may still start with `#` when no blank follows it.
        XCTAssertEqual(FoldedParser.parse(Array("#define;x 3\n".utf8)).profile.totalWeight, 3)
    }
}
