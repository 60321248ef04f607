import FlameGraphTestSupport
import Foundation
import XCTest

/// `flame-graph perf` end to end: real `perf record` of a compiled workload whose hot functions and
/// their shares are known, on a command and on a running pid; the perf.data path; the failures of
/// cli.md; and Ctrl-C.
final class CapturePerfTests: CaptureTestCase {
    /// `hot_a` does `a` iterations per round and `hot_b` `b`: their shares are a/(a+b) and b/(a+b).
    /// Rounds: the third argument, or forever.
    static let workload = """
        #include <stdlib.h>
        volatile unsigned long sink;
        __attribute__((noinline)) void spin(unsigned long n) {
            unsigned long x = 0;
            for (unsigned long i = 0; i < n; i++) x += i * i;
            sink = x;
        }
        __attribute__((noinline)) void hot_a(unsigned long n) { spin(n); }
        __attribute__((noinline)) void hot_b(unsigned long n) { spin(n); }
        int main(int argc, char **argv) {
            unsigned long a = strtoul(argv[1], 0, 10), b = strtoul(argv[2], 0, 10);
            long rounds = argc > 3 ? strtol(argv[3], 0, 10) : -1;
            for (long r = 0; rounds < 0 || r < rounds; r++) { hot_a(a); hot_b(b); }
            return 0;
        }
        """

    var binary = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        try requireTools("perf", "gcc")
        binary = try compile("cpuwork", Self.workload)
    }

    func assertShares(_ foldedPath: String, a: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let stacks = try folded(foldedPath)
        XCTAssertFalse(stacks.isEmpty, file: file, line: line)
        let shareA = share(stacks, function: "hot_a")
        let shareB = share(stacks, function: "hot_b")
        XCTAssertEqual(shareA, a, accuracy: 0.12, "hot_a's share", file: file, line: line)
        XCTAssertEqual(shareB, 1 - a, accuracy: 0.12, "hot_b's share", file: file, line: line)
        XCTAssertGreaterThan(shareA + shareB, 0.9, "the hot functions are nearly everything", file: file, line: line)
        // The stacks go through main into the hot function and the loop it calls.
        XCTAssertTrue(
            stacks.contains { $0.stack.first == "cpuwork" && $0.stack.suffix(3) == ["main", "hot_a", "spin"] },
            "\(stacks.prefix(5))", file: file, line: line)
    }

    /// End to end: the built binary, as users run it.
    func testCommandIsProfiledUntilItExitsWithItsHotFunctionsAtTheirShares() throws {
        let svg = dir + "/cmd.svg"
        let r = try fgBinary([
            "perf", "--cmd", "\(binary) 3000000 1000000 250", "--duration", "60", "--frequency", "999", "-o", svg,
            "--folded-output", dir + "/cmd.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(r.seconds, 50, "ends when the command does, not at --duration")
        XCTAssertTrue(r.stderr.contains("flame-graph: captured "), r.stderr)
        try assertShares(dir + "/cmd.folded", a: 0.75)
        let names = try svgFrameNames(svg)
        XCTAssertTrue(names.isSuperset(of: ["cpuwork", "main", "hot_a", "hot_b", "spin"]), "\(names)")
        XCTAssertEqual(leftovers(), [], "no temporary files")
        XCTAssertEqual(processes(mentioning: binary), [], "no workload left")
    }

    func testRunningPidIsSampledForTheDurationAndKeepsRunning() throws {
        let target = try start(binary, ["1000000", "1000000"])
        let r = try fg([
            "perf", "--pid", "\(target.processIdentifier)", "--duration", "2", "--frequency", "499", "-o",
            dir + "/pid.svg", "--folded-output", dir + "/pid.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertGreaterThan(r.seconds, 1.9)
        XCTAssertLessThan(r.seconds, 30)
        try assertShares(dir + "/pid.folded", a: 0.5)
        XCTAssertTrue(target.isRunning, "profiling does not stop the target")
        XCTAssertEqual(leftovers(), [])
        XCTAssertTrue(eventually(5) { processes(mentioning: tmp).isEmpty }, "no perf left")
    }

    func testAnExistingPerfDataIsReadWithoutRecording() throws {
        let data = dir + "/given.data"
        let rec = try TestProcess.run(
            "/usr/bin/perf", ["record", "-q", "-F", "999", "-g", "-o", data, "--", binary, "1000000", "3000000", "150"])
        XCTAssertEqual(rec.status, 0, rec.output)
        let r = try fg(["perf", "--perf-data", data, "-o", dir + "/d.svg", "--folded-output", dir + "/d.folded"])
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertShares(dir + "/d.folded", a: 0.25)
        XCTAssertTrue(FileManager.default.fileExists(atPath: data), "the input is left alone")

        let missing = try fg(["perf", "--perf-data", dir + "/nope.data", "-o", dir + "/n.svg"])
        XCTAssertEqual(missing.status, 66, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("nope.data does not exist"), missing.stderr)
    }

    func testRoundsAreTimeSlicesOfOneRecordingThatMergeToTheWhole() throws {
        let data = dir + "/sliced.data"
        let rec = try TestProcess.run(
            "/usr/bin/perf", ["record", "-q", "-F", "999", "-g", "-o", data, "--", binary, "1000000", "3000000", "150"])
        XCTAssertEqual(rec.status, 0, rec.output)
        let one = try fg([
            "perf", "--perf-data", data, "--rounds", "1", "-o", dir + "/1.svg", "--folded-output", "1.folded",
        ])
        let five = try fg([
            "perf", "--perf-data", data, "--rounds", "5", "-o", dir + "/5.svg", "--folded-output", "5.folded",
        ])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(five.status, 0, five.stderr)
        XCTAssertTrue(five.stderr.contains(" in 5 rounds"), five.stderr)
        XCTAssertFalse(one.stderr.contains(" rounds"), one.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: dir + "/5.folded", encoding: .utf8),
            try String(contentsOfFile: dir + "/1.folded", encoding: .utf8), "the merge of the slices is the whole")

        let command = try fg([
            "perf", "--cmd", "\(binary) 3000000 1000000 250", "--rounds", "4", "--frequency", "999", "-o",
            dir + "/c.svg", "--folded-output", dir + "/c.folded",
        ])
        XCTAssertEqual(command.status, 0, command.stderr)
        XCTAssertTrue(command.stderr.contains(" in 4 rounds"), command.stderr)
        try assertShares(dir + "/c.folded", a: 0.75)
        XCTAssertEqual(leftovers(), [], "the kept perf script text is removed")
    }

    func testDwarfCallGraphsRecoverStacksWithoutFramePointers() throws {
        // Built without frame pointers: -g loses the callers of the leaf, DWARF unwinding keeps them.
        try Self.workload.write(toFile: dir + "/nofp.c", atomically: true, encoding: .utf8)
        let build = try TestProcess.run(
            "/usr/bin/gcc", ["-O1", "-g", "-fomit-frame-pointer", "-fno-inline", "-o", dir + "/nofp", dir + "/nofp.c"])
        XCTAssertEqual(build.status, 0, build.output)
        func capture(_ callGraph: String) throws -> [(stack: [String], weight: Double)] {
            let r = try fg([
                "perf", "--cmd", "\(dir)/nofp 3000000 1000000 300", "--call-graph", callGraph, "--frequency", "499",
                "-o", dir + "/\(callGraph).svg", "--folded-output", dir + "/\(callGraph).folded",
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try folded(dir + "/\(callGraph).folded")
        }
        let dwarf = try capture("dwarf")
        XCTAssertEqual(share(dwarf, function: "hot_a"), 0.75, accuracy: 0.15, "\(dwarf.prefix(5))")
        XCTAssertTrue(dwarf.contains { $0.stack.suffix(3) == ["main", "hot_a", "spin"] }, "\(dwarf.prefix(5))")
        let fp = try capture("fp")
        XCTAssertLessThan(share(fp, function: "hot_a"), share(dwarf, function: "hot_a") - 0.3, "fp loses hot_a")
    }

    func testProgressLineOnATerminalOnly() throws {
        let script = try RequiredTool.require("script", install: "apt-get install util-linux")
        // `script` gives the run a terminal; its transcript is what the terminal showed.
        func onTerminal(_ extra: [String], env: [String: String] = [:]) throws -> String {
            let transcript = dir + "/typescript"
            try? FileManager.default.removeItem(atPath: transcript)
            let command =
                ([
                    FlameGraphBinary.path, "perf", "--cmd", "\(binary) 1000000 1000000", "--duration", "2",
                    "-o", dir + "/tty.svg",
                ] + extra).map { "'\($0)'" }.joined(separator: " ")
            let r = Process()
            r.executableURL = URL(fileURLWithPath: script)
            r.arguments = ["-qec", command, transcript]
            var environment = environment(env)
            environment["TERM"] = "xterm"
            if env["NO_COLOR"] == nil { environment.removeValue(forKey: "NO_COLOR") }
            r.environment = environment
            r.standardOutput = FileHandle.nullDevice
            r.standardError = FileHandle.nullDevice
            r.standardInput = FileHandle.nullDevice
            try r.run()
            started.append(r)
            waitBounded(r, seconds: 60)
            XCTAssertEqual(r.terminationStatus, 0)
            return (try? String(contentsOfFile: transcript, encoding: .utf8)) ?? ""
        }
        let shown = try onTerminal([])
        XCTAssertTrue(shown.contains("recording the command: 1s/2s"), shown)
        XCTAssertTrue(shown.contains("\r"), "rewritten in place")
        XCTAssertTrue(shown.contains("\u{1B}[2m"), "styled on a terminal")
        let plain = try onTerminal([], env: ["NO_COLOR": "1"])
        XCTAssertTrue(plain.contains("recording the command: "), plain)
        XCTAssertFalse(plain.contains("\u{1B}[2m"), "NO_COLOR: no styling")
        let quiet = try onTerminal(["--quiet"])
        XCTAssertFalse(quiet.contains("recording the command"), quiet)
        // Not a terminal (the other tests): no progress line at all.
        let r = try fg(["perf", "--cmd", "\(binary) 1000000 1000000 50", "-o", dir + "/p.svg"])
        XCTAssertFalse(r.stderr.contains("recording the command"), r.stderr)
    }

    // MARK: - Failures

    func testPerfNotInstalledSaysHowToInstallIt() throws {
        let r = try fg(["perf", "--cmd", "true", "-o", dir + "/x.svg"], env: ["PATH": dir + "/empty-bin"])
        XCTAssertEqual(r.status, 69)
        XCTAssertEqual(
            r.stderr, "flame-graph: error: perf not found on PATH: install it with `apt-get install linux-perf`\n")
    }

    func testNoSuchPid() throws {
        let r = try fg(["perf", "--pid", "2147483000", "--duration", "1", "-o", dir + "/x.svg"])
        XCTAssertEqual(r.status, 69)
        XCTAssertEqual(r.stderr, "flame-graph: error: no process with pid 2147483000\n")
    }

    func testPerfNotPermittedSaysWhatToSet() throws {
        let paranoid = try String(contentsOfFile: "/proc/sys/kernel/perf_event_paranoid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let level = Int(paranoid), level >= 2 else { throw XCTSkip("perf_event_paranoid is \(paranoid)") }
        // As nobody, a root process may not be profiled.
        let target = try start(binary, ["1000", "1000"])
        let r = try fg(
            ["perf", "--pid", "\(target.processIdentifier)", "--duration", "1", "-o", dir + "/x.svg"], asNobody: true)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("perf is not permitted to profile pid \(target.processIdentifier)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("kernel.perf_event_paranoid is \(paranoid)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("sysctl -w kernel.perf_event_paranoid="), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one sentence")
        XCTAssertEqual(leftovers(), [])
    }

    func testTargetExitingDuringTheCaptureKeepsWhatWasCaptured() throws {
        // A few seconds of work (on a busy machine too), then exit; the capture asked for 20 s.
        let target = try start(binary, ["3000000", "1000000", "300"])
        let r = try fg([
            "perf", "--pid", "\(target.processIdentifier)", "--duration", "20", "--frequency", "499", "-o",
            dir + "/e.svg", "--folded-output", dir + "/e.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(r.seconds, 15, "stops when the target exits")
        XCTAssertTrue(r.stderr.contains("exited during the capture"), r.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/e.folded"), function: "hot_a"), 0.5)
    }

    func testTargetExitingBeforeAnySampleIsNoSamples() throws {
        // Asleep for 3 s: long enough for perf to attach on a loaded runner (at 0.7 s it sometimes
        // exited first), and never on a CPU, so cpu-clock takes no sample.
        let sleeper = try start("/bin/sleep", ["3"])
        let r = try fg(["perf", "--pid", "\(sleeper.processIdentifier)", "--duration", "10", "-o", dir + "/z.svg"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("no samples"), r.stderr)
        XCTAssertTrue(r.stderr.contains("exited before any sample was taken"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/z.svg"))
        XCTAssertEqual(leftovers(), [])
    }

    func testACommandThatCannotRunIsNoSamplesWithItsStatus() throws {
        let r = try fg(["perf", "--cmd", dir + "/no-such-program", "--duration", "5", "-o", dir + "/c.svg"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("exit status 127"), r.stderr)
        XCTAssertTrue(r.stderr.contains("no samples"), r.stderr)
    }

    func testUsageErrors() throws {
        XCTAssertEqual(try fg(["perf", "-o", dir + "/u.svg"]).status, 64)
        XCTAssertEqual(try fg(["perf", "--pid", "1", "--cmd", "true"]).status, 64)
        XCTAssertEqual(try fg(["perf", "--cmd", "true", "--call-graph", "lbr"]).status, 64)
        XCTAssertEqual(try fg(["perf", "--cmd", "true", "--duration", "0"]).status, 64)
        let gate = try fg(["perf", "--cmd", "true", "--junit", dir + "/j.xml"])
        XCTAssertEqual(gate.status, 64)
        XCTAssertTrue(gate.stderr.contains("--junit compares with a baseline"), gate.stderr)
    }

    // MARK: - Ctrl-C

    /// Starts `perf --cmd` on the endless workload for 20 s.
    func launchLongCapture(tag: String) throws -> Process {
        try launch(
            [
                "perf", "--cmd", "\(binary) 1000000 1000000", "--duration", "20", "--frequency", "499", "-o",
                dir + "/\(tag).svg", "--folded-output", dir + "/\(tag).folded",
            ], tag: tag)
    }

    func assertNothingLeftBehind(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(
            eventually(5) { processes(mentioning: binary).isEmpty && processes(mentioning: tmp).isEmpty },
            "no workload and no perf left: \(processes(mentioning: binary)) \(processes(mentioning: tmp))", file: file,
            line: line)
        XCTAssertEqual(leftovers(), [], "no temporary files", file: file, line: line)
    }

    func testFirstCtrlCStopsEarlyAndDrawsWhatWasCaptured() throws {
        let t0 = Date()
        let p = try launchLongCapture(tag: "int1")
        XCTAssertTrue(eventually(10) { !processes(mentioning: binary).isEmpty }, "the workload runs")
        usleep(2_000_000)
        kill(p.processIdentifier, SIGINT)
        let r = finish(p, tag: "int1", timeout: 30, since: t0)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(r.seconds, 12, "stopped early, not after 20 s")
        XCTAssertTrue(r.stderr.contains("stopping early"), r.stderr)
        XCTAssertTrue(r.stderr.contains("(stopped early by Ctrl-C)"), r.stderr)
        XCTAssertTrue(try svgFrameNames(dir + "/int1.svg").contains("hot_a"))
        XCTAssertEqual(share(try folded(dir + "/int1.folded"), function: "hot_a"), 0.5, accuracy: 0.15)
        assertNothingLeftBehind()
    }

    func testSecondCtrlCAbortsWith130AndLeavesNothing() throws {
        let t0 = Date()
        let p = try launchLongCapture(tag: "int2")
        XCTAssertTrue(eventually(10) { !processes(mentioning: binary).isEmpty }, "the workload runs")
        usleep(1_500_000)
        kill(p.processIdentifier, SIGINT)
        usleep(20_000)
        kill(p.processIdentifier, SIGINT)
        let r = finish(p, tag: "int2", timeout: 30, since: t0)
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertLessThan(r.seconds, 12)
        XCTAssertTrue(r.stderr.contains("interrupted"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/int2.svg"), "no output from an aborted run")
        assertNothingLeftBehind()
    }

    func testSIGTERMAbortsLikeASecondCtrlC() throws {
        let t0 = Date()
        let p = try launchLongCapture(tag: "term")
        XCTAssertTrue(eventually(10) { !processes(mentioning: binary).isEmpty }, "the workload runs")
        usleep(1_000_000)
        kill(p.processIdentifier, SIGTERM)
        let r = finish(p, tag: "term", timeout: 30, since: t0)
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/term.svg"))
        assertNothingLeftBehind()
    }

    // MARK: - Baselines

    func testSaveABaselineThenGateACaptureAgainstIt() throws {
        try makeRepository()
        let repo = ["--repo", dir + "/repo", "--service", "cpuwork"]

        // Nothing stored yet: fails at once (66), before capturing.
        let early = try fg(["perf", "--cmd", "\(binary) 1 1 1", "--baseline", "HEAD", "-o", dir + "/0.svg"] + repo)
        XCTAssertEqual(early.status, 66, early.stderr)

        let save = try fg(
            [
                "perf", "--cmd", "\(binary) 2000000 2000000 200", "--frequency", "999", "--save-baseline", "-o",
                dir + "/base.svg",
            ] + repo)
        XCTAssertEqual(save.status, 0, save.stderr)
        XCTAssertTrue(save.stderr.contains("saved baseline cpuwork @ "), save.stderr)
        let show = try fg(["baseline", "show", "--commit", "HEAD", "-o", dir + "/base.folded"] + repo)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertEqual(share(try folded(dir + "/base.folded"), function: "hot_a"), 0.5, accuracy: 0.12)

        // hot_a goes from 50 % to 80 %: a regression the gate reports, with every output written.
        let worse = try fg(
            [
                "perf", "--cmd", "\(binary) 4000000 1000000 200", "--frequency", "999", "--baseline", "HEAD", "-o",
                dir + "/after.svg", "--diff-output", dir + "/diff.svg", "--json", dir + "/gate.json", "--junit",
                dir + "/gate.xml", "--markdown", dir + "/gate.md",
            ] + repo)
        XCTAssertEqual(worse.status, 1, worse.stderr)
        XCTAssertTrue(worse.stderr.contains("REGRESSION"), worse.stderr)
        for f in ["after.svg", "diff.svg", "gate.json", "gate.xml", "gate.md"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + f), f)
        }
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/gate.json")))
            as? [String: Any]
        let comparison = (json?["comparisons"] as? [[String: Any]])?.first
        XCTAssertEqual(comparison?["name"] as? String, "cpuwork")
        XCTAssertTrue((comparison?["regressions"] as? [String] ?? []).contains("hot_a"), "\(comparison ?? [:])")
        // Each side counts the samples its capture kept, not their nanoseconds (the baseline keeps its interval).
        func kept(_ stderr: String) -> Double? {
            stderr.firstMatch(of: /captured ([0-9,]+) samples/).flatMap { Double($0.1.replacing(",", with: "")) }
        }
        XCTAssertEqual(comparison?["unit"] as? String, "nanoseconds")
        XCTAssertEqual(
            comparison?["samples_before"] as? Double ?? -1, kept(save.stderr) ?? -2, accuracy: 1e-6, save.stderr)
        XCTAssertEqual(
            comparison?["samples_after"] as? Double ?? -1, kept(worse.stderr) ?? -2, accuracy: 1e-6, worse.stderr)
        XCTAssertEqual(leftovers(), [])
    }
}
