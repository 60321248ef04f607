import FlameGraphTestSupport
import Foundation
import XCTest

/// A .NET thread that works in bursts and sleeps between them (as a service's request threads do) is
/// charged for its work, not for its waiting: the sample profiler sees it waiting as "external".
final class RuntimeDotnetWaitingThreadTests: CaptureTestCase {
    /// `Burst` runs on a thread that sleeps 30 ms after each call; `Spin` runs on the main thread without
    /// a pause. The program times both itself and prints `SHARES burst spin` in milliseconds.
    static let program = """
        using System;
        using System.Diagnostics;
        using System.Runtime.CompilerServices;
        using System.Threading;
        class Waits {
            [MethodImpl(MethodImplOptions.NoInlining)]
            static double Spin(int n) { double s = 0; for (int i = 0; i < n; i++) s += Math.Sqrt(i) * 1.0001; return s; }
            [MethodImpl(MethodImplOptions.NoInlining)]
            static double Burst(int n) { double s = 0; for (int i = 0; i < n; i++) s += Math.Sqrt(i) * 1.0001; return s; }
            static void Main(string[] args) {
                double seconds = double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
                var b = new Stopwatch(); var sp = new Stopwatch(); double acc = 0, bacc = 0;
                var worker = new Thread(() => {
                    var run = Stopwatch.StartNew();
                    while (run.Elapsed.TotalSeconds < seconds) { b.Start(); bacc += Burst(1000000); b.Stop(); Thread.Sleep(30); }
                });
                worker.Start();
                var all = Stopwatch.StartNew();
                while (all.Elapsed.TotalSeconds < seconds) { sp.Start(); acc += Spin(1000000); sp.Stop(); }
                worker.Join();
                Console.WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                    "SHARES {0:F1} {1:F1} {2}", b.Elapsed.TotalMilliseconds, sp.Elapsed.TotalMilliseconds, acc + bacc > 0));
            }
        }
        """

    /// The sleeps are not charged to Burst (they were: the gap from the last managed sample before a
    /// sleep to the first after it made Burst's weight the worker's whole life, half the profile). What
    /// this cannot check is Burst's exact share: EventPipe's sampler catches a thread that wakes for a
    /// few ms erratically (0.015–0.27 of the two methods in runs whose stopwatch said 0.09–0.25), which
    /// docs/PROFILING_FLAMEGRAPH_GUIDE.md says.
    func testASleepingThreadIsChargedForItsWorkNotItsSleep() throws {
        let exe = try buildDotnetProgram("Waits", source: Self.program)
        let (output, trace) = try runWithEventPipe(exe, ["6"])
        let run = try fg(["collapse", "--input", trace, "--output", "\(dir)/waits.folded"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let (burstMs, _) = try programTimes(output)
        let sleepsMs = 6000 - burstMs  // the worker's life is the 6 s run: the rest is its sleeps
        let stacks = try folded("\(dir)/waits.folded")
        let burstMsInProfile = stacks.filter { $0.stack.contains("Waits.Burst") }.reduce(0) { $0 + $1.weight } / 1000
        XCTAssertGreaterThan(burstMsInProfile, 0, "the bursts are in the profile")
        // Halfway between "its work" and "its work and every sleep": the old reading was at the far end.
        XCTAssertLessThan(
            burstMsInProfile, burstMs + sleepsMs / 2,
            "Burst charged for its sleeps: \(burstMsInProfile) ms in the profile, \(burstMs) ms by its stopwatch")
    }

    /// A program whose only thread naps: attached after start-up, the runtime marks no sample as running
    /// managed code. That is also what every sample looks like in a Windows or .NET 9–10 trace, so the
    /// trace is read as thread time (waiting included) with a warning, not refused.
    static let idle = """
        using System;
        using System.Runtime.CompilerServices;
        using System.Threading;
        class Idle {
            [MethodImpl(MethodImplOptions.NoInlining)]
            static void Nap() { Thread.Sleep(20); }
            static void Main(string[] args) {
                var until = DateTime.UtcNow.AddSeconds(int.Parse(args[0]));
                while (DateTime.UtcNow < until) Nap();
            }
        }
        """

    func testAnIdleProcessIsReadAsThreadTimeAndSaysSo() throws {
        let exe = try buildDotnetProgram("Idle", source: Self.idle)
        let target = try startDotnetProgram(exe, ["20"])
        defer { target.terminate() }
        Thread.sleep(forTimeInterval: 1)  // past start-up: from here on nothing runs managed code
        let run = try fg([
            "dotnet", "--pid", String(target.processIdentifier), "--duration", "3", "--rounds", "1",
            "--folded-output", "\(dir)/idle.folded", "--output", "\(dir)/idle.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("weights are thread time with waiting included"), run.stderr)
        XCTAssertGreaterThan(share(try folded("\(dir)/idle.folded"), function: "Idle.Nap"), 0.8)
    }
}
