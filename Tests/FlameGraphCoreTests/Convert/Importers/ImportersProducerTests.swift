import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

/// Runs the real profilers on workloads with known hot functions and checks that the decoded
/// profiles show them in plausible proportions.
final class ImportersProducerTests: XCTestCase {
    typealias P = ImporterChecks

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

    /// Runs `tool` with `arguments` (which write one `.cpuprofile` into `DIR/prof`) on the workload and
    /// checks the profile against the file and the workload's known shares.
    func profileJavaScript(
        _ tool: String, _ arguments: [String], environment: [String: String] = [:], file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let dir = try makeTemporaryDirectory("importers-\((tool as NSString).lastPathComponent)")
        defer { removeTemporaryDirectory(dir) }
        try Self.nodeWorkload.write(toFile: dir + "/workload.js", atomically: true, encoding: .utf8)
        let result = try TestProcess.run(
            tool, arguments + ["workload.js"], in: dir, timeout: 120,
            environment: TestProcess.environment(adding: environment))
        XCTAssertEqual(result.status, 0, result.summary, file: file, line: line)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/prof")) ?? []
        let profiles = files.filter { $0.hasSuffix(".cpuprofile") }
        XCTAssertEqual(profiles.count, 1, "\(files) \(result.summary)", file: file, line: line)
        guard let name = profiles.first, let data = FileManager.default.contents(atPath: dir + "/prof/" + name) else {
            return
        }
        let bytes = [UInt8](data)
        let (profile, _) = try CPUProfileDecoder.decode(bytes, sourceName: name, options: CPUProfileOptions())
        let shares = try P.checkV8Profile(bytes, profile, name: name, file: file, line: line)
        XCTAssertGreaterThan(profile.totalWeight, 100, "1.5 s of samples", file: file, line: line)
        XCTAssertGreaterThan(shares.hot, 0.4, foldedText(profile), file: file, line: line)
        XCTAssertGreaterThan(shares.hot, shares.cold, foldedText(profile), file: file, line: line)
        XCTAssertGreaterThan(shares.cold, 0.05, foldedText(profile), file: file, line: line)
        XCTAssertLessThan(shares.cold, 0.45, foldedText(profile), file: file, line: line)
    }

    func testNodeCPUProf() throws {
        let node = try RequiredTool.require("node", install: "apt-get install nodejs")
        try profileJavaScript(node, ["--cpu-prof", "--cpu-prof-dir", "prof"])
    }

    func testDenoCPUProf() throws {
        let deno = try RequiredTool.require("deno", install: "pip install deno")
        try profileJavaScript(
            deno, ["run", "--cpu-prof", "--cpu-prof-dir=prof"], environment: ["DENO_NO_UPDATE_CHECK": "1"])
    }

    // MARK: Chromium, DevTools protocol

    /// Drives Debian's chromium through Playwright's CDP session and writes the `Profiler.stop` result
    /// (`{"profile": {...}}`) while the page runs the workload script.
    static let chromeScript = """
        import json, sys
        from playwright.sync_api import sync_playwright
        chromium, workload, out = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            cdp = page.context.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
            cdp.send("Profiler.start")
            page.add_script_tag(content=workload + "\\n//# sourceURL=http://localhost/static/workload.js")
            result = cdp.send("Profiler.stop")
            browser.close()
        json.dump(result, open(out, "w"))

        """

    func testChromiumProfilerStop() throws {
        let chromium = try RequiredTool.require("chromium", install: "apt-get install chromium")
        let python = try RequiredTool.require("python3", install: "apt-get install python3")
        let dir = try makeTemporaryDirectory("importers-chromium")
        defer { removeTemporaryDirectory(dir) }
        let probe = try TestProcess.run(python, ["-c", "import playwright.sync_api"], in: dir, timeout: 60)
        if probe.status != 0 {
            try RequiredTool.missing("Python playwright is not installed (pip install playwright): \(probe.stderr)")
        }
        try Self.chromeScript.write(toFile: dir + "/cdp.py", atomically: true, encoding: .utf8)
        try Self.nodeWorkload.write(toFile: dir + "/workload.js", atomically: true, encoding: .utf8)
        let result = try TestProcess.run(
            python, ["cdp.py", chromium, "workload.js", "stop.json"], in: dir, timeout: 120)
        XCTAssertEqual(result.status, 0, result.summary)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: dir + "/stop.json"), result.summary)
        let (profile, _) = try CPUProfileDecoder.decode(
            [UInt8](data), sourceName: "stop.json", options: CPUProfileOptions())
        let inner = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["profile"])
        let bare = [UInt8](try JSONSerialization.data(withJSONObject: inner))
        let shares = try P.checkV8Profile(bare, profile, name: "stop.json")
        XCTAssertGreaterThan(profile.totalWeight, 100, "1.5 s of samples")
        XCTAssertGreaterThan(shares.hot, 0.4, foldedText(profile))
        XCTAssertGreaterThan(shares.hot, shares.cold, foldedText(profile))
        XCTAssertGreaterThan(shares.cold, 0.05, foldedText(profile))
    }

    // MARK: py-spy

    func testPySpySpeedscope() throws {
        let pyspy = try RequiredTool.require("py-spy", install: "pip install py-spy")
        let python = try RequiredTool.require("python3", install: "apt-get install python3")
        let dir = try makeTemporaryDirectory("importers-pyspy")
        defer { removeTemporaryDirectory(dir) }
        // `hot` does twice the work of `warm` (Tests/Fixtures/workloads/hot_warm.py).
        try FileManager.default.copyItem(atPath: Fixtures.pythonWorkload, toPath: dir + "/workload.py")
        // Start the interpreter itself, not a wrapper script (pyenv shims), so that the pid is Python's.
        let real = try TestProcess.run(python, ["-c", "import sys; print(sys.executable)"], in: dir, timeout: 30)
        let interpreter = real.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(interpreter.isEmpty, real.summary)
        let workload = try TestProcess.start(
            interpreter, ["workload.py", "--ready", dir + "/ready"], in: dir, tag: "workload")
        defer { TestProcess.stop(workload) }
        guard TestProcess.waitForFile(dir + "/ready", timeout: 30) else {
            return XCTFail("the Python workload did not start within 30 s")
        }

        let out = dir + "/out.json"
        let result = try TestProcess.run(
            pyspy,
            [
                "record", "--pid", "\(workload.processIdentifier)", "--duration", "3", "--rate", "200",
                "--format", "speedscope", "-o", out,
            ],
            in: dir, timeout: 60)
        // py-spy says "Permission Denied" (or the kernel's "Operation not permitted") where ptrace is refused.
        let permission = ["permission denied", "operation not permitted", "ptrace"]
        if result.status != 0, permission.contains(where: result.stderr.lowercased().contains) {
            try RequiredTool.missing("py-spy cannot attach to a process here: \(result.stderr)")
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
        let hot = weightShare(profile) { $0.hasPrefix("hot (workload.py:") }
        let warm = weightShare(profile) { $0.hasPrefix("warm (workload.py:") }
        XCTAssertGreaterThan(hot, 0.5, foldedText(profile))
        XCTAssertGreaterThan(hot, warm, foldedText(profile))
        XCTAssertGreaterThan(warm, 0.03, foldedText(profile))

        var options = SpeedscopeOptions()
        options.prefixProfileName = true
        let (threads, _) = try SpeedscopeDecoder.decode([UInt8](data), sourceName: "out.json", options: options)
        let roots = Set(threads.leafNodes().map { threads.frames($0).first ?? "" })
        XCTAssertTrue(roots.allSatisfy { $0.hasPrefix("Thread ") }, "\(roots)")
        XCTAssertEqual(threads.totalWeight, profile.totalWeight, accuracy: 1e-6)
    }

    // MARK: pyinstrument (evented speedscope)

    func testPyinstrumentSpeedscope() throws {
        let pyinstrument = try RequiredTool.require("pyinstrument", install: "pip install pyinstrument")
        let dir = try makeTemporaryDirectory("importers-pyinstrument")
        defer { removeTemporaryDirectory(dir) }
        // The same work as the py-spy workload, for 1.5 s.
        try FileManager.default.copyItem(atPath: Fixtures.pythonWorkload, toPath: dir + "/workload.py")
        let result = try TestProcess.run(
            pyinstrument, ["-r", "speedscope", "-o", "out.json", "workload.py", "--seconds", "1.5"], in: dir,
            timeout: 120)
        XCTAssertEqual(result.status, 0, result.summary)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: dir + "/out.json"), result.summary)
        let bytes = [UInt8](data)
        let (profile, diagnostics) = try SpeedscopeDecoder.decode(
            bytes, sourceName: "out.json", options: SpeedscopeOptions())
        XCTAssertEqual(diagnostics.warnings, [], "pyinstrument's events are balanced")
        XCTAssertEqual(profile.unit, .microseconds)
        try P.checkEventedSpan(bytes, profile)
        XCTAssertGreaterThan(profile.totalWeight, 1_000_000, "1.5 s of work")
        let hot = weightShare(profile) { $0.hasPrefix("hot (workload.py:") }
        XCTAssertGreaterThan(hot, 0.5, foldedText(profile))
    }
}
