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

    func buildProgram() throws -> String { try buildDotnetProgram("TwoMethods", source: Self.program) }

    func assertShares(
        folded path: String, program: (Double, Double), file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let (heavy, light) = try assertSplit(
            folded: path, "TwoMethods.HeavyWork", "TwoMethods.LightWork", program: program, file: file, line: line)
        XCTAssertGreaterThan(heavy + light, 0.8, "the two methods are the program's work", file: file, line: line)
    }

    /// EventPipe by environment (as a user without flame-graph would), then `collapse` reads the nettrace.
    func testNettraceOfTwoMethodsMatchesTheProgramsOwnTiming() throws {
        let (output, trace) = try runWithEventPipe(try buildProgram(), ["6"])
        let run = try fg(["collapse", "--input", trace, "--output", "\(dir)/out.folded"])
        XCTAssertEqual(run.status, 0, run.stderr)
        try assertShares(folded: "\(dir)/out.folded", program: try programTimes(output))
        // The SVG says what the weights are: microseconds of thread time.
        let svg = try fg(["file", "--input", trace, "--output", "\(dir)/out.svg"])
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
        let shares = try programTimes(try String(contentsOfFile: "\(dir)/shares.txt", encoding: .utf8))
        try assertShares(folded: "\(dir)/cmd.folded", program: shares)
        XCTAssertTrue(try svgFrameNames("\(dir)/cmd.svg").contains("TwoMethods.LightWork"))
        XCTAssertEqual(leftovers(), [], "temporary files left behind")
    }

    /// Builds and starts the program for `seconds` with TMPDIR in `tmp` (writing its own timing to
    /// `shares` when given), and waits until its diagnostics socket is there.
    func startProgram(
        seconds: Int, shares: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Process {
        try startDotnetProgram(
            try buildProgram(), ["\(seconds)"] + (shares.map { [$0] } ?? []), file: file, line: line)
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
        // The two methods' split is what the program timed itself (the 2:1 work split is not a 2:1
        // time split on every runner: one CI run measured 0.77 of the two for HeavyWork).
        target.waitUntilExit()
        let shares = try programTimes(try String(contentsOfFile: "\(dir)/pid-shares.txt", encoding: .utf8))
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
