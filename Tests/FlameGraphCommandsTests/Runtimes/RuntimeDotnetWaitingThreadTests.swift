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
    /// sleep to the first after it made Burst half the profile). What this cannot check is Burst's exact
    /// share: EventPipe's sampler sees a thread that wakes for a few ms about once per wake-up, so Burst
    /// comes out below its stopwatch time (docs/PROFILING_FLAMEGRAPH_GUIDE.md says so).
    func testASleepingThreadIsChargedForItsWorkNotItsSleep() throws {
        let exe = try buildDotnetProgram("Waits", source: Self.program)
        let (output, trace) = try runWithEventPipe(exe, ["6"])
        let run = try fg(["collapse", "--input", trace, "--output", "\(dir)/waits.folded"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let (burst, spin) = try programTimes(output)
        let programSplit = burst / (burst + spin)
        XCTAssertLessThan(programSplit, 0.25, "the bursts are a small part of the work: \(output)")
        let stacks = try folded("\(dir)/waits.folded")
        let (sb, ss) = (share(stacks, function: "Waits.Burst"), share(stacks, function: "Waits.Spin"))
        XCTAssertGreaterThan(sb, 0, "the bursts are in the profile")
        XCTAssertGreaterThan(ss, 0.75, "the thread that never waits holds the profile")
        XCTAssertLessThan(sb / (sb + ss), programSplit + 0.05, "Burst charged for its sleeps (program \(programSplit))")
    }
}
