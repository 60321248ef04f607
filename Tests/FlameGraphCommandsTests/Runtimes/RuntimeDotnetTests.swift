import FlameGraphTestSupport
import Foundation
import XCTest

/// .NET Core 3.1 for real: a C# program compiled with mcs, traced by EventPipe, read back as nettrace.
final class RuntimeDotnetTests: CaptureTestCase {
    /// Two methods that take about 2/3 and 1/3 of the run; the program times them itself and prints
    /// `SHARES heavy light` (each method's time over the whole measured run).
    static let program = """
        using System;
        using System.Diagnostics;
        using System.Runtime.CompilerServices;
        class TwoMethods {
            [MethodImpl(MethodImplOptions.NoInlining)]
            static double HeavyWork(int n) { double s = 0; for (int i = 0; i < n; i++) s += Math.Sqrt(i) * 1.0001; return s; }
            [MethodImpl(MethodImplOptions.NoInlining)]
            static double LightWork(int n) { double s = 0; for (int i = 0; i < n; i++) s += Math.Sqrt(i) * 1.0001; return s; }
            static void Main(string[] args) {
                double seconds = double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
                var total = Stopwatch.StartNew(); var h = new Stopwatch(); var l = new Stopwatch(); double acc = 0;
                while (total.Elapsed.TotalSeconds < seconds) {
                    h.Start(); acc += HeavyWork(2000000); h.Stop();
                    l.Start(); acc += LightWork(1000000); l.Stop();
                }
                double t = total.Elapsed.TotalMilliseconds;
                string line = string.Format(System.Globalization.CultureInfo.InvariantCulture,
                    "SHARES {0:F4} {1:F4} {2}", h.Elapsed.TotalMilliseconds / t, l.Elapsed.TotalMilliseconds / t, acc > 0);
                Console.WriteLine(line);
                if (args.Length > 1) System.IO.File.WriteAllText(args[1], line + Environment.NewLine);
            }
        }
        """

    /// Compiles the program and writes its runtimeconfig; returns the assembly's path.
    func buildProgram() throws -> String {
        let mcs = try RequiredTool.require("mcs", install: "apt-get install mono-mcs")
        try RequiredTool.require("dotnet", install: "pip install dotnetcore2 (ci/setup links it onto PATH)")
        try Self.program.write(toFile: "\(dir)/TwoMethods.cs", atomically: true, encoding: .utf8)
        let r = try TestProcess.run(
            mcs, ["-optimize+", "-out:\(dir)/TwoMethods.exe", "\(dir)/TwoMethods.cs"], timeout: 300)
        guard r.status == 0 else {
            XCTFail("mcs failed: \(r.output)")
            throw CocoaError(.executableLoad)
        }
        let config = """
            {"runtimeOptions":{"tfm":"netcoreapp3.1","framework":{"name":"Microsoft.NETCore.App","version":"3.1.0"},\
            "configProperties":{"System.Globalization.Invariant":true}}}
            """
        try config.write(toFile: "\(dir)/TwoMethods.runtimeconfig.json", atomically: true, encoding: .utf8)
        return "\(dir)/TwoMethods.exe"
    }

    static func programShares(_ output: String) throws -> (heavy: Double, light: Double) {
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("SHARES ") }, output)
        let fields = line.split(separator: " ")
        return (try XCTUnwrap(Double(fields[1])), try XCTUnwrap(Double(fields[2])))
    }

    func assertShares(folded path: String, program: (heavy: Double, light: Double)) throws {
        try assertShares(
            folded: path, [("TwoMethods.HeavyWork", program.heavy), ("TwoMethods.LightWork", program.light)])
    }

    /// EventPipe by environment (as a user without flame-graph would), then `collapse` reads the nettrace.
    func testNettraceOfTwoMethodsMatchesTheProgramsOwnTiming() throws {
        let exe = try buildProgram()
        let traces = "\(dir)/traces"
        try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        env["COMPlus_EnableEventPipe"] = "1"
        env["COMPlus_EventPipeOutputPath"] = traces + "/"
        env["COMPlus_EventPipeConfig"] =
            "Microsoft-DotNETCore-SampleProfiler:0:5,Microsoft-Windows-DotNETRuntime:4c14fccbd:5"
        let dotnet = try XCTUnwrap(RequiredTool.which("dotnet"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: dotnet)
        p.arguments = ["exec", "--runtimeconfig", "\(dir)/TwoMethods.runtimeconfig.json", exe, "6"]
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, output)
        let trace = try XCTUnwrap(
            try FileManager.default.contentsOfDirectory(atPath: traces).first { $0.hasSuffix(".nettrace") })
        let run = try fg(["collapse", "--input", "\(traces)/\(trace)", "--output", "\(dir)/out.folded"])
        XCTAssertEqual(run.status, 0, run.stderr)
        try assertShares(folded: "\(dir)/out.folded", program: try Self.programShares(output))
        // The SVG says what the weights are: microseconds of thread time.
        let svg = try fg(["file", "--input", "\(traces)/\(trace)", "--output", "\(dir)/out.svg"])
        XCTAssertEqual(svg.status, 0, svg.stderr)
        XCTAssertTrue(try svgFrameNames("\(dir)/out.svg").contains("TwoMethods.HeavyWork"))
    }

    /// `dotnet --cmd`: EventPipe switched on by flame-graph, the SVG and folded stacks name the methods.
    func testDotnetCmdDrawsTheProgramsMethods() throws {
        let exe = try buildProgram()
        let command = "dotnet exec --runtimeconfig \(dir)/TwoMethods.runtimeconfig.json \(exe) 6 \(dir)/shares.txt"
        let run = try fg([
            "dotnet", "--cmd", command, "--duration", "60", "--rounds", "2", "--output", "\(dir)/cmd.svg",
            "--folded-output", "\(dir)/cmd.folded",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let shares = try Self.programShares(try String(contentsOfFile: "\(dir)/shares.txt", encoding: .utf8))
        try assertShares(folded: "\(dir)/cmd.folded", program: shares)
        XCTAssertTrue(try svgFrameNames("\(dir)/cmd.svg").contains("TwoMethods.LightWork"))
        XCTAssertEqual(leftovers(), [], "temporary files left behind")
    }

    /// Builds and starts the program for `seconds` with TMPDIR in `tmp` (writing its own timing to
    /// `shares` when given), and waits until its diagnostics socket is there.
    func startProgram(
        seconds: Int, shares: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Process {
        let exe = try buildProgram()
        let dotnet = try XCTUnwrap(RequiredTool.which("dotnet"))
        var env = ProcessInfo.processInfo.environment
        env["TMPDIR"] = tmp
        let target = try start(
            dotnet,
            ["exec", "--runtimeconfig", "\(dir)/TwoMethods.runtimeconfig.json", exe, "\(seconds)"]
                + (shares.map { [$0] } ?? []),
            environment: env)
        let pid = target.processIdentifier
        XCTAssertTrue(
            eventually(20) { self.leftovers().contains { $0.hasPrefix("dotnet-diagnostic-\(pid)-") } },
            "no diagnostics socket", file: file, line: line)
        return target
    }

    /// `dotnet --pid`: the diagnostics IPC protocol against a running program.
    func testDotnetPidAttachesThroughTheDiagnosticsSocket() throws {
        let target = try startProgram(seconds: 20, shares: "\(dir)/pid-shares.txt")
        let pid = target.processIdentifier
        let run = try fg([
            "dotnet", "--pid", String(pid), "--duration", "6", "--rounds", "2", "--output", "\(dir)/pid.svg",
            "--folded-output", "\(dir)/pid.folded",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(target.isRunning, "attaching must not stop the program")
        let stacks = try folded("\(dir)/pid.folded")
        XCTAssertGreaterThan(
            share(stacks, function: "TwoMethods.HeavyWork") + share(stacks, function: "TwoMethods.LightWork"), 0.8)
        // The two methods' shares are what the program timed itself (the 2:1 work split is not a 2:1
        // time split on every runner: one CI run measured 0.77 of the two for HeavyWork).
        target.waitUntilExit()
        let shares = try Self.programShares(try String(contentsOfFile: "\(dir)/pid-shares.txt", encoding: .utf8))
        try assertShares(folded: "\(dir)/pid.folded", program: shares)
    }

    /// `dotnet --pid` on a program that exits during the session keeps what was streamed.
    func testDotnetPidKeepsTheTraceOfAProgramThatExits() throws {
        let pid = try startProgram(seconds: 5).processIdentifier
        let run = try fg([
            "dotnet", "--pid", String(pid), "--duration", "30", "--rounds", "1", "--folded-output",
            "\(dir)/exit.folded", "--output", "\(dir)/exit.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertLessThan(run.seconds, 25, "the capture must end when the program does")
        XCTAssertGreaterThan(share(try folded("\(dir)/exit.folded"), function: "TwoMethods.HeavyWork"), 0.3)
    }

    /// A truncated trace is bad data (65) with the file named, never a crash.
    func testTruncatedNettraceIsBadInput() throws {
        var bytes = Array("Nettrace".utf8) + [20, 0, 0, 0] + Array("!FastSerialization.1".utf8)
        bytes += [5, 5, 1, 4, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0] + Array("Trace".utf8) + [6, 0xEA, 0x07]
        FileManager.default.createFile(atPath: "\(dir)/cut.nettrace", contents: Data(bytes))
        let run = try fg(["collapse", "--input", "\(dir)/cut.nettrace"])
        XCTAssertEqual(run.status, 65, run.stderr)
        XCTAssertTrue(run.stderr.contains("cut.nettrace"), run.stderr)
    }
}
