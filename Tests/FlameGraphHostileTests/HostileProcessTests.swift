import FlameGraphTestSupport
import Foundation
import XCTest

/// SIGKILL (a CI timeout, the OOM killer) leaves no process behind, and the next run removes the dead
/// run's temporary folder.
final class HostileProcessTests: HostileTestCase {
    func testSigkillDuringPerfLeavesNoProcessAndTheNextRunCleansUp() throws {
        try RequiredTool.require("perf", install: "apt-get install linux-perf")
        let marker = "299.\(Int.random(in: 100_000...999_999))"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: FlameGraphBinary.path)
        p.arguments = ["perf", "--cmd", "sleep \(marker)", "--duration", "60", "-o", dir + "/out.svg"]
        p.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { for pid in processes(mentioning: [marker, tmp]) { kill(pid, SIGKILL) } }
        // perf record (its -o is under TMPDIR) and the workload itself (`sleep MARKER`, not our own --cmd).
        XCTAssertTrue(
            eventually(15) {
                !processes(mentioning: [tmp]).isEmpty && !processes(mentioning: ["\0sleep \(marker)"]).isEmpty
            }, "perf record and the workload never ran")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertTrue(
            eventually(3) { processes(mentioning: [marker, tmp]).isEmpty },
            "left running after SIGKILL: \(processes(mentioning: [marker, tmp]))")
        XCTAssertFalse(
            try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty, "expected the dead run's folder")
        // The next run (a short one) removes the dead run's folder.
        let next = try run(["perf", "--cmd", "true", "--duration", "1", "-o", "x.svg"], limit: 30)
        XCTAssertNotEqual(next.status, 0)
    }

    /// Pids whose command line contains any of `needles` (not ours).
    private func processes(mentioning needles: [String]) -> [pid_t] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard pid != me, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else {
                return false
            }
            // NULs between arguments kept, and one in front: "\0sleep 1" matches only a command `sleep 1`.
            let line = "\0" + String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return needles.contains { line.contains($0) }
        }
    }
}
