import FlameGraphCore
import XCTest

@testable import FlameGraphCapture

/// Command lines of perf and py-spy, and how their failure messages (captured from the real tools on
/// this machine) are read.
final class InvocationTests: XCTestCase {
    func testPerfRecordArguments() {
        XCTAssertEqual(
            PerfInvocation.recordArguments(target: .pid(42), output: "/t/perf.data", frequency: 99, callGraph: .fp),
            ["record", "-F", "99", "-g", "--no-buildid-cache", "-o", "/t/perf.data", "-p", "42"])
        XCTAssertEqual(
            PerfInvocation.recordArguments(
                target: .command("./bench --n 3; echo done"), output: "o", frequency: 999, callGraph: .dwarf),
            [
                "record", "-F", "999", "--call-graph", "dwarf", "--no-buildid-cache", "-o", "o", "--", "/bin/sh", "-c",
                "./bench --n 3; echo done",
            ])
        XCTAssertEqual(
            PerfInvocation.recordArguments(
                target: .systemWide, output: "o", frequency: nil, callGraph: .fp, events: PerfInvocation.offCPUEvents),
            [
                "record", "-e", "sched:sched_switch", "-e", "sched:sched_wakeup/call-graph=no/", "-e",
                "cpu-clock/freq=499,call-graph=no/", "-g", "--no-buildid-cache", "-o", "o", "-a",
            ])
        XCTAssertEqual(PerfInvocation.scriptArguments(input: "d"), ["script", "-i", "d"])
        XCTAssertEqual(
            PerfInvocation.scriptArguments(input: "d", fields: PerfInvocation.offCPUFields),
            ["script", "-i", "d", "-F", "comm,pid,tid,cpu,time,event,trace,ip,sym,dso"])
    }

    static let paranoid = """
        Error:
        Access to performance monitoring and observability operations is limited.
        Consider adjusting /proc/sys/kernel/perf_event_paranoid setting to open
        access to performance monitoring and observability operations for processes
        without CAP_PERFMON, CAP_SYS_PTRACE or CAP_SYS_ADMIN Linux capability.
        perf_event_paranoid setting is 2:
        """

    static let tracefs = """
        event syntax error: 'sched:sched_switch'
                             \\___ can't access trace events

        Error:\tNo permissions to read /sys/kernel/tracing/events/sched/sched_switch
        Hint:\tTry 'sudo mount -o remount,mode=755 /sys/kernel/tracing/'
        """

    func testPerfFailuresSayWhatToDo() {
        let pid = PerfInvocation.diagnoseRecord(stderr: Self.paranoid, target: .pid(7), paranoid: "2")
        XCTAssertEqual(pid?.kind, .unavailable)
        XCTAssertEqual(
            pid?.message,
            "perf is not permitted to profile pid 7 (kernel.perf_event_paranoid is 2): run as root or as the process's owner, and set `sysctl -w kernel.perf_event_paranoid=1` (or lower) if it is above 2"
        )
        let wide = PerfInvocation.diagnoseRecord(stderr: Self.paranoid, target: .systemWide, paranoid: "2")
        XCTAssertTrue(wide?.message.contains("kernel.perf_event_paranoid=-1") ?? false)
        let trace = PerfInvocation.diagnoseRecord(stderr: Self.tracefs, target: .systemWide, paranoid: "2")
        XCTAssertTrue(trace?.message.contains("sched:sched_switch") ?? false)
        XCTAssertTrue(trace?.message.contains("/sys/kernel/tracing") ?? false)
        let gone = PerfInvocation.diagnoseRecord(
            stderr: "Couldn't create thread/CPU maps: No such process\n", target: .pid(9), paranoid: nil)
        XCTAssertEqual(gone, FlameGraphError(.unavailable, "no process with pid 9 (perf could not attach to it)"))
        let kernel = PerfInvocation.diagnoseRecord(
            stderr: "E: linux-perf-6.9 is not installed.\n", target: .pid(9), paranoid: nil)
        XCTAssertTrue(kernel?.message.contains("apt-get install linux-perf") ?? false)
        XCTAssertNil(PerfInvocation.diagnoseRecord(stderr: "something else\n", target: .pid(1), paranoid: nil))
    }

    func testPerfChatterIsRead() {
        let text = """
            [ perf record: Woken up 1 times to write data ]
            Warning: Processed 1234 events and lost 3 chunks!
            [ perf record: Captured and wrote 0.320 MB off.data (994 samples) ]
            """
        XCTAssertEqual(PerfInvocation.recordedSamples(in: text), 994)
        XCTAssertEqual(PerfInvocation.warnings(in: text), ["Warning: Processed 1234 events and lost 3 chunks!"])
        XCTAssertEqual(PerfInvocation.lastLine(of: text), "Warning: Processed 1234 events and lost 3 chunks!")
        XCTAssertNil(PerfInvocation.recordedSamples(in: "nothing"))
    }

    func testPySpyArgumentsPassTheFlagsThrough() {
        XCTAssertEqual(
            PySpyInvocation.recordArguments(pid: 5, duration: 30, output: "/t/o", options: .init()),
            ["record", "--pid", "5", "--duration", "30", "--rate", "100", "--format", "raw", "--output", "/t/o"])
        XCTAssertEqual(
            PySpyInvocation.recordArguments(
                pid: 5, duration: 2, output: "o",
                options: .init(rate: 250, native: true, idle: true, gil: true, subprocesses: true)),
            [
                "record", "--pid", "5", "--duration", "2", "--rate", "250", "--format", "raw", "--output", "o",
                "--native", "--idle", "--gil", "--subprocesses",
            ])
    }

    func testPySpyFailuresSayWhatToDo() {
        let denied = PySpyInvocation.diagnose(
            stderr:
                "Permission Denied: Try running again with elevated permissions by going 'sudo env \"PATH=$PATH\" !!'",
            pid: 3, targetAlive: true, ptraceScope: "1")
        XCTAssertEqual(denied?.kind, .unavailable)
        XCTAssertTrue(
            denied?.message.hasPrefix(
                "py-spy is not permitted to read pid 3 (ptrace not allowed; kernel.yama.ptrace_scope is 1)") ?? false)
        let notPython = PySpyInvocation.diagnose(
            stderr: "Error: Failed to find python version from target process\n\nStack backtrace:\n", pid: 3,
            targetAlive: true, ptraceScope: nil)
        XCTAssertEqual(
            notPython,
            FlameGraphError(.unavailable, "pid 3 is not a Python process (py-spy found no interpreter in it)"))
        let gone = PySpyInvocation.diagnose(
            stderr: "Error: Failed to get process executable name. Check that the process is running.", pid: 3,
            targetAlive: false, ptraceScope: nil)
        XCTAssertEqual(gone, FlameGraphError(.unavailable, "no process with pid 3 (it may have exited)"))
        XCTAssertEqual(
            PySpyInvocation.reportedSamples(
                in: "py-spy> Wrote raw flamegraph data to 'r.txt'. Samples: 187 Errors: 0\n"),
            187)
    }
}
