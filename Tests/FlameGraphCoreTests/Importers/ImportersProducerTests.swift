import Foundation
import XCTest

@testable import FlameGraphCore

/// Runs the real profilers on workloads with known hot functions and checks that the decoded
/// profiles show them in plausible proportions.
final class ImportersProducerTests: XCTestCase {
    typealias P = ProducerSupport

    // MARK: node --cpu-prof

    /// `hotLoop` does four times the work of `coldLoop`, for about 1.5 s of CPU.
    static let nodeWorkload = """
        'use strict';
        function hotLoop(n) { let s = 0; for (let i = 0; i < n; i++) { s += Math.sqrt(i) * Math.sin(i); } return s; }
        function coldLoop(n) { let s = 0; for (let i = 0; i < n; i++) { s += Math.sqrt(i) * Math.sin(i); } return s; }
        const end = Date.now() + 1500;
        let total = 0;
        while (Date.now() < end) { total += hotLoop(400000); total += coldLoop(100000); }
        if (total === 42) console.log(total);

        """

    func testNodeCPUProf() throws {
        let node = try P.requireTool("node", installHint: "apt-get install nodejs")
        let dir = try P.makeDirectory("importers-node")
        defer { P.removeDirectory(dir) }
        try Self.nodeWorkload.write(toFile: dir + "/workload.js", atomically: true, encoding: .utf8)
        let result = try P.run(
            node, ["--cpu-prof", "--cpu-prof-dir", dir + "/prof", "workload.js"], in: dir, timeout: 120)
        XCTAssertEqual(result.status, 0, result.summary)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/prof")) ?? []
        let profiles = files.filter { $0.hasSuffix(".cpuprofile") }
        XCTAssertEqual(profiles.count, 1, "\(files) \(result.summary)")
        guard let name = profiles.first, let data = FileManager.default.contents(atPath: dir + "/prof/" + name) else {
            return
        }
        let bytes = [UInt8](data)
        let file = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let samples = try XCTUnwrap(file["samples"] as? [Int])
        let deltas = try XCTUnwrap(file["timeDeltas"] as? [Int])
        let start = try XCTUnwrap(file["startTime"] as? Int)
        let end = try XCTUnwrap(file["endTime"] as? Int)

        let (profile, diagnostics) = try CPUProfileDecoder.decode(bytes, sourceName: name, options: CPUProfileOptions())
        XCTAssertEqual(profile.unit, .samples)
        XCTAssertEqual(profile.totalWeight, Double(samples.count), "one count per sample")
        XCTAssertGreaterThan(samples.count, 300, "1.5 s at node's default 1 ms interval")
        let hot = P.share(profile) { $0 == "hotLoop (workload.js:2)" }
        let cold = P.share(profile) { $0 == "coldLoop (workload.js:3)" }
        XCTAssertGreaterThan(hot, 0.4, P.folded(profile))
        XCTAssertGreaterThan(hot, cold, P.folded(profile))
        XCTAssertGreaterThan(cold, 0.05, P.folded(profile))
        XCTAssertLessThan(cold, 0.45, P.folded(profile))
        if deltas.allSatisfy({ $0 >= 0 }) { XCTAssertEqual(diagnostics.warnings, []) }

        var options = CPUProfileOptions()
        options.weightByTime = true
        let (timed, _) = try CPUProfileDecoder.decode(bytes, sourceName: name, options: options)
        XCTAssertEqual(timed.unit, .microseconds)
        let span = Double(end - start)
        // Everything from the first sample to endTime: the span less the gap before the first sample.
        XCTAssertEqual(timed.totalWeight, span - Double(deltas[0]), accuracy: 1)
        XCTAssertEqual(timed.totalWeight, span, accuracy: span * 0.05)
        let hotTime = P.share(timed) { $0 == "hotLoop (workload.js:2)" }
        XCTAssertGreaterThan(hotTime, 0.4)

        options.dropIdle = true
        let (busy, _) = try CPUProfileDecoder.decode(bytes, sourceName: name, options: options)
        XCTAssertLessThanOrEqual(busy.totalWeight, timed.totalWeight)
        XCTAssertFalse(P.folded(busy).contains("(idle)"))
        XCTAssertFalse(P.folded(busy).contains("(program)"))
        XCTAssertFalse(P.folded(busy).contains("(garbage collector)"))
    }

    // MARK: py-spy

    /// `hot` does four times the work of `warm`; it writes the file named by its argument once it runs,
    /// and stops by itself after 60 s should nobody stop it.
    static let pythonWorkload = """
        import sys, time
        def hot():
            s = 0
            for i in range(400000): s += i * i
            return s
        def warm():
            s = 0
            for i in range(100000): s += i * i
            return s
        open(sys.argv[1], "w").close()
        end = time.time() + 60
        while time.time() < end:
            hot(); warm()

        """

    func testPySpySpeedscope() throws {
        let pyspy = try P.requireTool("py-spy", installHint: "pip install py-spy")
        let python = try P.requireTool("python3", installHint: "apt-get install python3")
        let dir = try P.makeDirectory("importers-pyspy")
        defer { P.removeDirectory(dir) }
        try Self.pythonWorkload.write(toFile: dir + "/workload.py", atomically: true, encoding: .utf8)
        // Start the interpreter itself, not a wrapper script (pyenv shims), so that the pid is Python's.
        let real = try P.run(python, ["-c", "import sys; print(sys.executable)"], in: dir, timeout: 30)
        let interpreter = real.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(interpreter.isEmpty, real.summary)
        let workload = try P.start(interpreter, ["workload.py", dir + "/ready"], in: dir, tag: "workload")
        defer { P.stop(workload) }
        guard P.waitForFile(dir + "/ready", timeout: 30) else {
            return XCTFail("the Python workload did not start within 30 s")
        }

        let out = dir + "/out.json"
        let result = try P.run(
            pyspy,
            [
                "record", "--pid", "\(workload.processIdentifier)", "--duration", "3", "--rate", "200",
                "--format", "speedscope", "-o", out,
            ],
            in: dir, timeout: 60)
        let permission = ["Permission denied", "Operation not permitted", "ptrace"]
        if result.status != 0, permission.contains(where: result.stderr.contains) {
            throw XCTSkip("py-spy cannot attach to a process here: \(result.stderr)")
        }
        XCTAssertEqual(result.status, 0, result.summary)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: out), result.summary)
        let file = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let profiles = try XCTUnwrap(file["profiles"] as? [[String: Any]])
        let sampleCount = profiles.reduce(0) { $0 + (($1["samples"] as? [Any])?.count ?? 0) }
        let weightSum = profiles.reduce(0.0) { $0 + (($1["weights"] as? [Double])?.reduce(0, +) ?? 0) }

        let (profile, _) = try SpeedscopeDecoder.decode(
            [UInt8](data), sourceName: "out.json", options: SpeedscopeOptions())
        XCTAssertEqual(profile.unit, .microseconds, "py-spy writes seconds")
        XCTAssertGreaterThan(sampleCount, 100, "3 s at 200 Hz")
        XCTAssertEqual(profile.totalWeight, weightSum * 1e6, accuracy: Double(sampleCount) * 0.01)
        let hot = P.share(profile) { $0.hasPrefix("hot (workload.py:") }
        let warm = P.share(profile) { $0.hasPrefix("warm (workload.py:") }
        XCTAssertGreaterThan(hot, 0.5, P.folded(profile))
        XCTAssertGreaterThan(hot, warm, P.folded(profile))
        XCTAssertGreaterThan(warm, 0.03, P.folded(profile))

        var options = SpeedscopeOptions()
        options.prefixProfileName = true
        let (threads, _) = try SpeedscopeDecoder.decode([UInt8](data), sourceName: "out.json", options: options)
        let roots = Set(threads.leafNodes().map { threads.frames($0).first ?? "" })
        XCTAssertTrue(roots.allSatisfy { $0.hasPrefix("Thread ") }, "\(roots)")
        XCTAssertEqual(threads.totalWeight, profile.totalWeight, accuracy: 1e-6)
    }
}
