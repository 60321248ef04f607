import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

/// A real producer: records a small C program with `perf record -g`, pipes `perf script` into the
/// collapser as it streams, and checks that the program's busy functions show up as a stack.
final class PerfRecordTests: XCTestCase {
    func testRecordedBusyProgramIsCollapsed() throws {
        let perf = try RequiredTool.require("perf", install: "apt-get install linux-perf")
        let cc = try RequiredTool.which("cc") ?? RequiredTool.require("gcc", install: "apt-get install gcc")
        let dir = URL(fileURLWithPath: try makeTemporaryDirectory("fg-perf"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("busy.c")
        try """
        #include <stdio.h>
        __attribute__((noinline)) double fg_busy_leaf(long n) {
            double s = 0;
            for (long i = 1; i < n; i++) s += (double)(i % 7) / (double)i;
            return s;
        }
        __attribute__((noinline)) double fg_busy_caller(void) {
            double s = 0;
            for (int k = 0; k < 20; k++) s += fg_busy_leaf(5000000 + k);
            return s;
        }
        int main(void) { printf("%f\\n", fg_busy_caller()); return 0; }
        """.write(to: source, atomically: true, encoding: .utf8)
        let binary = dir.appendingPathComponent("fgbusy").path
        // -O0: no inlining, tail calls or hoisting, so the two functions stay on the stack.
        let build = try TestProcess.run(cc, ["-O0", "-g", "-fno-omit-frame-pointer", "-o", binary, source.path])
        guard build.status == 0 else { return XCTFail("could not build the busy program: \(build.output)") }

        let data = dir.appendingPathComponent("perf.data").path
        let record = try TestProcess.run(perf, ["record", "-F", "999", "-g", "-o", data, "--", binary], timeout: 300)
        guard record.status == 0, FileManager.default.fileExists(atPath: data) else {
            try RequiredTool.missing("perf cannot record in this environment: \(record.output.suffix(400))")
        }

        // Stream `perf script` into the collapser chunk by chunk.
        let script = Process()
        script.executableURL = URL(fileURLWithPath: perf)
        script.arguments = ["script", "-i", data]
        let pipe = Pipe()
        script.standardOutput = pipe
        script.standardError = FileHandle.nullDevice
        try script.run()
        var collapser = PerfScriptCollapser()
        var bytes = 0
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            bytes += chunk.count
            chunk.withUnsafeBytes { collapser.consume($0) }
        }
        script.waitUntilExit()
        collapser.finish()
        XCTAssertEqual(script.terminationStatus, 0)
        XCTAssertGreaterThan(bytes, 0)
        XCTAssertGreaterThan(collapser.samplesKept, 10)
        XCTAssertNotNil(collapser.eventType)

        let folded = foldedText(collapser.profile)
        let busy = folded.split(separator: "\n").filter {
            $0.hasPrefix("fgbusy;") && $0.contains("fg_busy_caller;fg_busy_leaf")
        }
        XCTAssertFalse(busy.isEmpty, "no fgbusy;…;fg_busy_caller;fg_busy_leaf stack in:\n\(folded.prefix(3000))")
        // Most of the program's time is in the leaf.
        var leafWeight = 0.0
        for line in busy {
            if let space = line.lastIndex(of: " "), let w = Double(line[line.index(after: space)...]) {
                leafWeight += w
            }
        }
        XCTAssertGreaterThan(leafWeight, collapser.profile.totalWeight * 0.3)
    }
}
