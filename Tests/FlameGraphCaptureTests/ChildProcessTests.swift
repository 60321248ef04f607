import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCapture

/// `ChildProcess` on real children: streaming, stderr bounds, exit statuses, the clean signal mask,
/// deadlines, the escalation ladder, stragglers, and reaping on every path.
final class ChildProcessTests: XCTestCase {
    /// Children spawned by a test and still to be checked or killed in tearDown.
    var spawned: [pid_t] = []

    override func tearDown() {
        for pid in spawned where ProcFS.presence(of: pid) == .alive { kill(pid, SIGKILL) }
        spawned.removeAll()
    }

    func sh(_ script: String, stdout: ChildOutput = .stream, limit: Int = 64 * 1024) -> ProcessSpec {
        ProcessSpec(executable: "/bin/sh", arguments: ["-c", script], standardOutput: stdout, stderrLimit: limit)
    }

    func testStdoutIsStreamedInChunksNotHeldWhole() throws {
        let child = try ChildProcess(sh("head -c 5000000 /dev/zero"))
        var total = 0
        var calls = 0
        var largest = 0
        let outcome = try child.wait(onStdout: { chunk in
            total += chunk.count
            calls += 1
            largest = max(largest, chunk.count)
        })
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertEqual(total, 5_000_000)
        XCTAssertGreaterThan(calls, 10, "many chunks")
        XCTAssertLessThanOrEqual(largest, 64 * 1024, "bounded chunks")
        XCTAssertNil(outcome.stopReason)
    }

    func testStderrIsCapturedBoundedKeepingHeadAndTail() throws {
        let child = try ChildProcess(
            sh("echo first >&2; yes noise | head -c 300000 >&2; echo last >&2", limit: 1024))
        let outcome = try child.wait()
        XCTAssertTrue(outcome.stderr.hasPrefix("first\n"), String(outcome.stderr.prefix(40)))
        XCTAssertTrue(outcome.stderr.hasSuffix("last\n"))
        XCTAssertTrue(outcome.stderr.contains("bytes left out"))
        XCTAssertLessThan(outcome.stderr.utf8.count, 1200)
    }

    func testBothPipesFullAtOnceDoNotDeadlock() throws {
        let child = try ChildProcess(sh("head -c 2000000 /dev/zero >&2 & head -c 2000000 /dev/zero; wait", limit: 256))
        var total = 0
        let outcome = try child.wait(deadline: 20, onStdout: { total += $0.count })
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertNil(outcome.stopReason)
        XCTAssertEqual(total, 2_000_000)
    }

    func testExitStatusAndSignalAreReported() throws {
        XCTAssertEqual(try ChildProcess(sh("exit 3")).wait().termination, .exited(3))
        let killed = try ChildProcess(sh("kill -TERM $$")).wait().termination
        XCTAssertEqual(killed, .signaled(SIGTERM))
        XCTAssertEqual(killed.description, "signal 15 (SIGTERM)")
        XCTAssertFalse(killed.succeeded)
    }

    func testChildStartsWithAnEmptySignalMaskAndDefaultDispositionsEvenFromABlockingThread() throws {
        // The situation of a Dispatch or concurrency worker: SIGINT and SIGTERM blocked, SIGINT ignored.
        final class Box: @unchecked Sendable { var text = ""; var error: Error? }
        let box = Box()
        let spec = sh("grep -E '^Sig(Blk|Ign):' /proc/self/status")
        let thread = Thread {
            var blocked = sigset_t()
            sigemptyset(&blocked)
            sigaddset(&blocked, SIGINT)
            sigaddset(&blocked, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &blocked, nil)
            do {
                let child = try ChildProcess(spec)
                var bytes: [UInt8] = []
                _ = try child.wait(onStdout: { bytes.append(contentsOf: $0) })
                box.text = String(decoding: bytes, as: UTF8.self)
            } catch {
                box.error = error
            }
        }
        let previous = signal(SIGINT, SIG_IGN)
        defer { signal(SIGINT, previous) }
        thread.start()
        XCTAssertTrue(eventually(10) { thread.isFinished })
        XCTAssertNil(box.error)
        XCTAssertTrue(box.text.contains("SigBlk:\t0000000000000000"), box.text)
        // Signal n is bit n-1 of the mask; glibc's internal real-time signals (32, 33) may stay ignored.
        let ignored = box.text.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }
            .flatMap { UInt64($0.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16) }
        let mask = try XCTUnwrap(ignored, box.text)
        for sig in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] {
            XCTAssertEqual(mask & (1 << UInt64(sig - 1)), 0, "signal \(sig) is not ignored in the child: \(box.text)")
        }
    }

    func testTheChildLeadsItsOwnProcessGroupAndReadsDevNull() throws {
        let child = try ChildProcess(sh("cat; cut -d' ' -f5 /proc/$$/stat"))
        var out: [UInt8] = []
        _ = try child.wait(onStdout: { out.append(contentsOf: $0) })
        XCTAssertEqual(
            String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "\(child.pid)")
    }

    func testOnlyTheStandardDescriptorsAreInherited() throws {
        let leaked = open("/dev/null", O_RDONLY)  // not close-on-exec
        defer { close(leaked) }
        let child = try ChildProcess(sh("ls /proc/$$/fd"))
        var out: [UInt8] = []
        _ = try child.wait(onStdout: { out.append(contentsOf: $0) })
        let fds = String(decoding: out, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
        XCTAssertFalse(fds.contains(Int(leaked)), "\(fds)")
        XCTAssertTrue(fds.allSatisfy { $0 <= 3 }, "only 0, 1, 2 (and ls's own directory) \(fds)")
    }

    func testDeadlineSendsSIGINT() throws {
        let child = try ChildProcess(sh("sleep 30"))
        spawned.append(child.pid)
        let outcome = try child.wait(deadline: 0.3)
        XCTAssertEqual(outcome.stopReason, .deadline)
        XCTAssertEqual(outcome.termination, .signaled(SIGINT))
        XCTAssertLessThan(outcome.elapsed, 3)
        XCTAssertNotEqual(ProcFS.presence(of: child.pid), .alive)
    }

    func testAProcessIgnoringSIGINTIsTerminatedAfterTheGrace() throws {
        var spec = sh("trap '' INT; sleep 30 & wait")
        spec.interruptGrace = 0.3
        let child = try ChildProcess(spec)
        spawned.append(child.pid)
        let start = Monotonic.now()
        let outcome = try child.wait(deadline: 0.2)
        XCTAssertEqual(outcome.termination, .signaled(SIGTERM))
        XCTAssertLessThan(Monotonic.now() - start, 3)
    }

    func testAProcessIgnoringSIGINTAndSIGTERMIsKilled() throws {
        var spec = sh("trap '' INT TERM; while :; do sleep 0.05; done")
        spec.interruptGrace = 0.2
        spec.terminateGrace = 0.2
        let child = try ChildProcess(spec)
        spawned.append(child.pid)
        let outcome = try child.wait(deadline: 0.2)
        XCTAssertEqual(outcome.termination, .signaled(SIGKILL))
        XCTAssertLessThan(outcome.elapsed, 3)
    }

    func testInterruptFromAnotherThreadWhileWaiting() throws {
        let child = try ChildProcess(sh("sleep 30"))
        spawned.append(child.pid)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { child.interrupt() }
        let outcome = try child.wait(deadline: 20)
        XCTAssertEqual(outcome.stopReason, .interrupted)
        XCTAssertLessThan(outcome.elapsed, 5)
    }

    func testAbortIsQuickEvenWhenSIGTERMIsIgnored() throws {
        let child = try ChildProcess(sh("trap '' INT TERM; while :; do sleep 0.05; done"))
        spawned.append(child.pid)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { child.abort() }
        let outcome = try child.wait(deadline: 20)
        XCTAssertEqual(outcome.stopReason, .aborted)
        XCTAssertEqual(outcome.termination, .signaled(SIGKILL))
        XCTAssertLessThan(outcome.elapsed, 3)
    }

    func testSignalsReachTheWholeGroupAndStragglersAreCleanedUp() throws {
        // A background grandchild that outlives its parent: still stopped, so no orphan is left.
        let child = try ChildProcess(sh("sleep 300 & echo $!; exit 0"))
        var out: [UInt8] = []
        let outcome = try child.wait(onStdout: { out.append(contentsOf: $0) })
        XCTAssertEqual(outcome.termination, .exited(0))
        let straggler = try XCTUnwrap(
            Int32(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        spawned.append(straggler)
        XCTAssertTrue(eventually { ProcFS.presence(of: straggler) != .alive }, "the background sleep was stopped")
    }

    func testAThrowingConsumerAbortsAndReapsTheChild() throws {
        struct Enough: Error {}
        let child = try ChildProcess(sh("yes"))
        spawned.append(child.pid)
        XCTAssertThrowsError(try child.wait(onStdout: { _ in throw Enough() })) { XCTAssertTrue($0 is Enough) }
        XCTAssertNotEqual(ProcFS.presence(of: child.pid), .alive)
        XCTAssertEqual(kill(child.pid, 0), -1, "reaped: the pid is gone")
    }

    func testAChildNobodyWaitedForIsKilledAndReaped() throws {
        var pid: pid_t = 0
        do {
            let child = try ChildProcess(sh("sleep 30"))
            pid = child.pid
            spawned.append(pid)
        }
        XCTAssertTrue(eventually { kill(pid, 0) == -1 && errno == ESRCH }, "killed and reaped by deinit")
    }

    func testEnvironmentIsExactlyWhatWasGiven() throws {
        var spec = sh("echo \"[$FG_A][$RESQ_API_KEY]\"")
        spec.environment = ProcessEnvironment.removing(
            ["RESQ_API_KEY"], from: ["FG_A=1", "RESQ_API_KEY=secret", "PATH=/usr/bin:/bin"])
        let child = try ChildProcess(spec)
        var out: [UInt8] = []
        _ = try child.wait(onStdout: { out.append(contentsOf: $0) })
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "[1][]\n")
    }

    func testStdoutToStandardErrorOrDiscarded() throws {
        let discarded = try ChildProcess(sh("echo hidden", stdout: .discard))
        XCTAssertEqual(try discarded.wait().termination, .exited(0))
        // Our stderr is the test runner's; just check the child can write there and succeeds.
        let toStderr = try ChildProcess(
            sh("echo '(ChildProcessTests: this line is expected on stderr)'", stdout: .standardError))
        XCTAssertEqual(try toStderr.wait().termination, .exited(0))
    }

    func testTicksArriveWhileTheChildRuns() throws {
        let child = try ChildProcess(sh("sleep 0.6"))
        var ticks: [Double] = []
        _ = try child.wait(tickInterval: 0.1, onTick: { ticks.append($0) })
        XCTAssertGreaterThanOrEqual(ticks.count, 3)
        XCTAssertEqual(ticks, ticks.sorted())
    }

    func testAMissingExecutableIsUnavailable() {
        XCTAssertThrowsError(try ChildProcess(ProcessSpec(executable: "/nonexistent/tool", arguments: []))) { error in
            let e = error as? FlameGraphError
            XCTAssertEqual(e?.kind, .unavailable)
            XCTAssertTrue(e?.message.contains("/nonexistent/tool") ?? false)
        }
    }
}
