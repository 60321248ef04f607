import FlameGraphTestSupport
import Foundation
import XCTest

/// A reduced `ci/calibrate` on real py-spy captures of the calibration workload
/// (ci/calibrate_workloads/workload.py), all evaluated through `diff --batch` (the code `diff` runs):
/// A/A pairs of two different processes are never flagged, and a large change (tokenize 4× slower,
/// ~ +30 pp) is always caught with 3 rounds a side and named (regression or inconclusive) with one.
final class DiffCalibrationTests: XCTestCase {
    static let workload = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ci/calibrate_workloads/workload.py").path
    var dir = ""
    var processes: [Process] = []

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("fg-calibration") }
    override func tearDownWithError() throws {
        for p in processes where p.isRunning {
            p.terminate()
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    func start(slow: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.workload]
        p.environment = ProcessInfo.processInfo.environment.merging(["SLOW_TOKENIZE": slow]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        processes.append(p)
        return p
    }

    /// Three back-to-back 3 s rounds of one process at 100 Hz, as folded files.
    func rounds(_ name: String, _ process: Process, pySpy: String) throws -> [String] {
        try (1...3).map { k in
            let out = "\(dir)/\(name)-r\(k).folded"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: pySpy)
            p.arguments = [
                "record", "--pid", "\(process.processIdentifier)", "--duration", "3", "--rate", "100", "--format",
                "raw",
                "--nonblocking", "-o", out,
            ]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, "py-spy round \(k) of \(name)")
            return out
        }
    }

    func testAAIsNeverFlaggedAndALargeChangeIsAlwaysCaught() throws {
        let pySpy = try RequiredTool.require("py-spy", install: "pip install py-spy")
        let a1 = try start(slow: "1.0"), a2 = try start(slow: "1.0"), b = try start(slow: "4.0")
        Thread.sleep(forTimeInterval: 1)  // past start-up
        let ra1 = try rounds("a1", a1, pySpy: pySpy), ra2 = try rounds("a2", a2, pySpy: pySpy)
        let rb = try rounds("b", b, pySpy: pySpy)
        for p in processes { p.terminate() }

        func line(_ before: [String], _ after: [String]) -> String {
            before.joined(separator: ",") + "\t" + after.joined(separator: ",")
        }
        var pairs: [(kind: String, line: String)] = [("AA3", line(ra1, ra2)), ("AA3", line(ra2, ra1))]
        for i in 0..<3 { pairs.append(("AA1", line([ra1[i]], [ra2[(i + 1) % 3]]))) }
        pairs.append(("AB3", line(ra1, rb)))
        pairs.append(("AB3", line(ra2, rb)))
        for i in 0..<3 { pairs.append(("AB1", line([ra1[i]], [rb[i]]))) }
        try (pairs.map(\.line).joined(separator: "\n") + "\n").write(
            toFile: dir + "/pairs.tsv", atomically: true, encoding: .utf8)
        let r = try FlameGraphBinary.run(["diff", "--batch", dir + "/pairs.tsv", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        XCTAssertEqual(rows.count, pairs.count)
        for (pair, row) in zip(pairs, rows) {
            switch pair.kind {
            case "AA1", "AA3":
                XCTAssertEqual(row[1], "0", "A/A flagged: \(row) for \(pair.line)")
            case "AB3":
                XCTAssertEqual(row[1], "1", "a +30 pp change with 3 rounds a side must fail: \(row)")
                XCTAssertEqual(row[2], "tokenize", "\(row)")
            default:
                let named = row[2] == "tokenize" || row[3].split(separator: ",").contains("tokenize")
                XCTAssertTrue(named, "one round a side must at least name tokenize as inconclusive: \(row)")
            }
        }
    }
}
