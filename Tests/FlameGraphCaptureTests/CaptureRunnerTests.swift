import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import Synchronization
import XCTest

@testable import FlameGraphCapture

/// `CaptureRunner` on real profilers: rounds that each carry samples and merge to the single-capture
/// shape (py-spy back to back, perf sliced by time), a first stop that keeps what was captured, an
/// abort that leaves no child and no temporary file.
final class CaptureRunnerTests: XCTestCase {
    var dir = ""
    var started: [Process] = []

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("fg-runner")
    }

    override func tearDown() {
        for p in started where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in started { p.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Collects what the runner reports.
    final class Collected: CaptureReporter {
        let lines = Mutex<[String]>([])
        func progress(_ line: String) {}
        func clearProgress() {}
        func notice(_ text: String) { lines.withLock { $0.append("notice: " + text) } }
        func warning(_ text: String) { lines.withLock { $0.append("warning: " + text) } }
    }

    func settings(duration: Double, rounds: Int?) -> CaptureSettings {
        var environment = ProcessEnvironment.current().filter { !$0.hasPrefix("TMPDIR=") }
        environment.append("TMPDIR=\(dir)/tmp")
        try? FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        return CaptureSettings(duration: duration, rounds: rounds, environment: environment, handleSignals: false)
    }

    func startPython() throws -> Process {
        let python = try RequiredTool.require("python3", install: "apt-get install python3")
        try RequiredTool.require("py-spy", install: "pip install py-spy")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        // `hot` does twice `warm`'s work (Tests/Fixtures/workloads/hot_warm.py).
        p.arguments = [Fixtures.pythonWorkload]
        try p.run()
        started.append(p)
        usleep(300_000)
        return p
    }

    /// The share of `function` (a frame named `function (file:line)`) among a profile's samples.
    func share(_ profile: Profile, _ function: String) -> Double {
        weightShare(profile) { $0.hasPrefix(function + " (") }
    }

    func testPySpyRoundsEachHaveSamplesAndMergeToTheSingleCaptureShape() throws {
        let target = try startPython()
        let source = PySpySource(pid: target.processIdentifier, options: .init(rate: 200))
        let reporter = Collected()
        let rounds = try CaptureRunner(settings(duration: 3, rounds: 3), reporter: reporter).run(source)
        XCTAssertEqual(rounds.rounds.count, 3, "\(reporter.lines.withLock { $0 })")
        for (i, round) in rounds.rounds.enumerated() {
            XCTAssertGreaterThan(round.totalWeight, 20, "round \(i + 1) has samples")
        }
        XCTAssertEqual(rounds.merged.totalWeight, rounds.rounds.map(\.totalWeight).reduce(0, +))
        XCTAssertEqual(rounds.roundsRequested, 3)
        XCTAssertFalse(rounds.stoppedEarly)

        let single = try CaptureRunner(settings(duration: 2, rounds: 1), reporter: reporter).run(source)
        XCTAssertEqual(single.rounds.count, 1)
        // Same program, same shape: the same frames in every round, and the merge of the rounds shares
        // its time between them as one capture does (hot doing twice warm's work).
        for profile in [rounds.merged, single.merged] + rounds.rounds {
            XCTAssertGreaterThan(share(profile, "hot"), 0.2)
            XCTAssertGreaterThan(share(profile, "warm"), 0.1)
            XCTAssertGreaterThan(share(profile, "hot") + share(profile, "warm"), 0.9)
        }
        XCTAssertEqual(share(rounds.merged, "hot"), share(single.merged, "hot"), accuracy: 0.2)
        XCTAssertEqual(share(rounds.merged, "hot"), 2.0 / 3, accuracy: 0.25)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp"), [], "no temporary files")
    }

    func testPerfDataSlicedByTimeMergesToExactlyTheUnslicedProfile() throws {
        let perf = try RequiredTool.require("perf", install: "apt-get install linux-perf")
        let python = try RequiredTool.require("python3", install: "apt-get install python3")
        let data = dir + "/given.data"
        let record = try TestProcess.run(
            perf,
            ["record", "-q", "-F", "499", "-g", "-o", data, "--", python, "-c", "sum(i*i for i in range(6000000))"])
        XCTAssertEqual(record.status, 0, record.summary)

        let source = PerfSource(target: .perfData(data))
        let whole = try CaptureRunner(settings(duration: 1, rounds: 1), reporter: Collected()).run(source)
        let sliced = try CaptureRunner(settings(duration: 1, rounds: 4), reporter: Collected()).run(source)
        XCTAssertEqual(sliced.rounds.count, 4, "one round per time window")
        for round in sliced.rounds { XCTAssertGreaterThan(round.totalWeight, 10) }
        XCTAssertEqual(FoldedWriter.write(sliced.merged), FoldedWriter.write(whole.merged), "no sample lost or doubled")
    }

    func testStopKeepsTheRoundsCapturedAndStartsNoOther() throws {
        let target = try startPython()
        let held = Mutex<CaptureSession?>(nil)
        var settings = settings(duration: 10, rounds: 5)
        settings.onSession = { session in held.withLock { $0 = session } }
        let stopper = Thread {
            usleep(3_000_000)  // inside the second round (2 s each)
            held.withLock { $0?.stop() }
        }
        stopper.start()
        let t0 = Date()
        let result = try CaptureRunner(settings, reporter: Collected()).run(
            PySpySource(pid: target.processIdentifier, options: .init(rate: 100)))
        XCTAssertLessThan(Date().timeIntervalSince(t0), 7, "no round after the stop")
        XCTAssertTrue(result.stoppedEarly)
        XCTAssertTrue((1...2).contains(result.rounds.count), "\(result.rounds.count) rounds")
        XCTAssertGreaterThan(result.merged.totalWeight, 50)
        XCTAssertTrue(target.isRunning, "the target is left alone")
    }

    func testAbortThrowsInterruptedAndLeavesNoChildAndNoFile() throws {
        let target = try startPython()
        let held = Mutex<CaptureSession?>(nil)
        var settings = settings(duration: 30, rounds: 3)
        let aborted = Mutex(false)
        settings.onSession = { session in held.withLock { $0 = session } }
        settings.onAbort = { aborted.withLock { $0 = true } }
        Thread {
            usleep(1_500_000)
            held.withLock { $0?.abort() }
        }.start()
        let t0 = Date()
        XCTAssertThrowsError(
            try CaptureRunner(settings, reporter: Collected()).run(
                PySpySource(pid: target.processIdentifier, options: .init()))
        ) { error in
            XCTAssertTrue(error is CaptureInterrupted, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 10)
        XCTAssertTrue(aborted.withLock { $0 }, "the caller's clean-up ran")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp"), [])
        let pySpies = ProcFS.allPIDs().filter { pid in
            (ProcFS.commandLine(of: pid) ?? []).contains("\(target.processIdentifier)")
                && ProcFS.comm(of: pid) == "py-spy"
        }
        XCTAssertEqual(pySpies, [], "no py-spy left")
    }

    func testRoundCountsFollowTheDurationUnlessAsked() throws {
        XCTAssertEqual(try CaptureRounds.count(requested: nil, duration: 30, strategy: .backToBack), 5)
        XCTAssertEqual(try CaptureRounds.count(requested: nil, duration: 2, strategy: .backToBack), 2)
        XCTAssertEqual(try CaptureRounds.count(requested: nil, duration: 1, strategy: .timeSlices), 5)
        XCTAssertEqual(try CaptureRounds.count(requested: 3, duration: 3, strategy: .backToBack), 3)
        XCTAssertThrowsError(try CaptureRounds.count(requested: 4, duration: 3, strategy: .backToBack)) { error in
            XCTAssertEqual((error as? FlameGraphError)?.kind, .usage)
            XCTAssertTrue("\(error)".contains("--rounds 4"), "\(error)")
        }
        XCTAssertEqual(try CaptureRounds.count(requested: 8, duration: 1, strategy: .timeSlices), 8)
        XCTAssertThrowsError(try CaptureRounds.count(requested: 0, duration: 10, strategy: .timeSlices))
    }
}
