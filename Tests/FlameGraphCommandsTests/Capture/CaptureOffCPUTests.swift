import FlameGraphTestSupport
import Foundation
import XCTest

/// `flame-graph offcpu` end to end: a C program whose main thread sleeps in `nap`, waits for a pipe in
/// `io_wait`, waits for a mutex in `lock_wait` and computes in `spin`; two helper threads feed the
/// pipe and hold the mutex. Off-CPU time must land on the blocking functions, not on `spin`.
final class CaptureOffCPUTests: CaptureTestCase {
    /// Each blocking function calls through one more function before libc: with frame pointers, the
    /// direct caller of a libc function that has none is lost, its caller is kept.
    static let workload = """
        #include <pthread.h>
        #include <time.h>
        #include <unistd.h>
        static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        static int request[2], reply[2];
        volatile unsigned long sink;
        __attribute__((noinline)) static void pause_ms(long ms) {
            struct timespec t = {0, ms * 1000000L};
            nanosleep(&t, 0);
        }
        __attribute__((noinline)) void do_nap(void) { pause_ms(20); }
        __attribute__((noinline)) void nap(void) { do_nap(); }
        __attribute__((noinline)) void do_read(void) { char c; read(reply[0], &c, 1); }
        __attribute__((noinline)) void io_wait(void) { write(request[1], "?", 1); do_read(); }
        __attribute__((noinline)) void do_lock(void) { pthread_mutex_lock(&lock); pthread_mutex_unlock(&lock); }
        __attribute__((noinline)) void lock_wait(void) { do_lock(); }
        __attribute__((noinline)) void spin(void) {
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            do {
                for (int i = 0; i < 10000; i++) sink += i;
                clock_gettime(CLOCK_MONOTONIC, &b);
            } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 10000000L);
        }
        /* Answers each request after 30 ms. */
        void *disk(void *x) { char c; for (;;) { read(request[0], &c, 1); pause_ms(30); write(reply[1], "!", 1); } }
        /* Holds the lock 80 ms of every 100. */
        void *holder(void *x) { for (;;) { pthread_mutex_lock(&lock); pause_ms(80); pthread_mutex_unlock(&lock); pause_ms(20); } }
        int main(int argc, char **argv) {
            pipe(request); pipe(reply);
            pthread_t a, b;
            pthread_create(&a, 0, disk, 0);
            pthread_create(&b, 0, holder, 0);
            long rounds = argc > 1 ? atol(argv[1]) : -1;
            for (long r = 0; rounds < 0 || r < rounds; r++) { nap(); io_wait(); lock_wait(); spin(); }
            return 0;
        }
        """

    var binary = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        try requireTools("perf", "gcc")
        binary = try compile("blocky", "#include <stdlib.h>\n" + Self.workload, flags: ["-pthread"])
    }

    func testBlockedTimeLandsOnTheBlockingFunctionsInMicroseconds() throws {
        let target = try start(binary, [])
        usleep(300_000)
        let duration = 3.0
        let r = try fg([
            "offcpu", "--pid", "\(target.processIdentifier)", "--duration", "3", "-o", dir + "/off.svg",
            "--folded-output", dir + "/off.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("ms off-CPU in"), r.stderr)
        let stacks = try folded(dir + "/off.folded")
        XCTAssertTrue(stacks.allSatisfy { $0.stack.first == "blocky" }, "the process is the root frame")

        // The main thread blocks ~90 ms of every ~130: in nap (20), io_wait (30) and lock_wait (up to 80).
        let mainThread = stacks.filter { $0.stack.contains("main") }
        let blocking = share(mainThread) { ["nap", "io_wait", "lock_wait"].contains($0) }
        XCTAssertGreaterThan(blocking, 0.9, "the main thread waits in its blocking functions: \(mainThread)")
        for f in ["nap", "io_wait", "lock_wait"] {
            XCTAssertGreaterThan(
                share(mainThread, function: f), 0.08, "\(f) is a real share of the main thread's waits")
        }
        XCTAssertLessThan(share(stacks, function: "spin"), 0.01, "computing is not off-CPU time")
        // The helper threads (under start_thread) are blocked most of the time too: about two thirds.
        XCTAssertEqual(
            share(stacks, function: "start_thread"), 2.0 / 3, accuracy: 0.15, "the helper threads' waits count")
        XCTAssertGreaterThan(share(stacks, function: "holder"), 0.15, "the lock holder sleeps 100 ms of every 100")
        // Weights are microseconds: three threads, mostly blocked, for the duration.
        let total = stacks.reduce(0) { $0 + $1.weight }
        XCTAssertGreaterThan(total, 0.4 * 3 * duration * 1e6, "total \(total) µs")
        XCTAssertLessThan(total, 1.05 * 3 * duration * 1e6, "total \(total) µs")
        XCTAssertTrue(stacks.contains { $0.stack.last == "__schedule" }, "the kernel frames where it left the CPU")

        // Drawn in microseconds with the io palette.
        let svg = try String(contentsOfFile: dir + "/off.svg", encoding: .utf8)
        let frames = SVGFrames.parse(svg, geometry: .samples)
        let io = try XCTUnwrap(frames.first { $0.name == "io_wait" })
        // Microsecond weights are shown as time for people ("816 ms"), never as samples.
        XCTAssertNotNil(io.title.range(of: #"[0-9] (µs|us|ms|s), "#, options: .regularExpression), io.title)
        XCTAssertFalse(io.title.contains("sample"), io.title)
        for frame in frames where frame.fill.hasPrefix("rgb(") {
            let parts = frame.fill.dropFirst(4).dropLast().split(separator: ",").compactMap { Int($0) }
            XCTAssertEqual(parts.count, 3)
            XCTAssertTrue(parts[0] == parts[1] && parts[2] >= 190, "io palette: \(frame.fill)")
        }
        XCTAssertTrue(target.isRunning)
        XCTAssertEqual(leftovers(), [])
        XCTAssertTrue(eventually(5) { processes(mentioning: tmp).isEmpty }, "no perf left")
    }

    func testWaitsOnASecondaryCPUAreFollowedToo() throws {
        // On this VM perf sees nothing in CPU 1's idle task, so the switch back in after a sleep there is
        // never traced: the waits must still end (at the wakeup, or when the thread is next seen running).
        guard ProcessInfo.processInfo.activeProcessorCount >= 2, let taskset = RequiredTool.which("taskset") else {
            try RequiredTool.missing("needs two CPUs and taskset (apt-get install util-linux)")
        }
        let target = try start(taskset, ["-c", "1", binary])
        usleep(300_000)
        let r = try fg([
            "offcpu", "--pid", "\(target.processIdentifier)", "--duration", "2", "-o", dir + "/cpu1.svg",
            "--folded-output", dir + "/cpu1.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let stacks = try folded(dir + "/cpu1.folded")
        let mainThread = stacks.filter { $0.stack.contains("main") }
        // Each round sleeps 20 ms in nap and waits 30 ms in io_wait (the lock wait varies): 2 to 3.
        let nap = share(mainThread, function: "nap")
        let io = share(mainThread, function: "io_wait")
        XCTAssertGreaterThan(nap, 0.1, "\(mainThread)")
        XCTAssertEqual(io / nap, 1.5, accuracy: 0.4, "io_wait / nap")
        XCTAssertGreaterThan(share(stacks, function: "holder"), 0.15, "the lock holder's sleeps")
        let total = stacks.reduce(0) { $0 + $1.weight }
        XCTAssertGreaterThan(total, 0.5 * 3 * 2e6, "total \(total) µs for three mostly blocked threads over 2 s")
    }

    func testTargetExitingDuringTheCaptureStopsItAndKeepsWhatWasCaptured() throws {
        // About 5 s of rounds (~130 ms each), then exit; the capture asked for 20 s. (A shorter life lost
        // the race with perf's attach on a loaded machine: 1.3 s failed at load 8.)
        let target = try start(binary, ["40"])
        usleep(100_000)
        let r = try fg([
            "offcpu", "--pid", "\(target.processIdentifier)", "--duration", "20", "-o", dir + "/e.svg",
            "--folded-output", dir + "/e.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(r.seconds, 15, "stopped when the target exited")
        XCTAssertTrue(r.stderr.contains("exited during the capture"), r.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/e.folded"), function: "io_wait"), 0.02)
        XCTAssertEqual(leftovers(), [])
    }

    func testFailures() throws {
        let none = try fg(["offcpu", "--pid", "2147483000", "--duration", "1", "-o", dir + "/x.svg"])
        XCTAssertEqual(none.status, 69)
        XCTAssertEqual(none.stderr, "flame-graph: error: no process with pid 2147483000\n")

        let noPerf = try fg(["offcpu", "--pid", "1", "--duration", "1"], env: ["PATH": dir + "/empty"])
        XCTAssertEqual(noPerf.status, 69)
        XCTAssertTrue(noPerf.stderr.contains("apt-get install linux-perf"), noPerf.stderr)

        // Not root: tracepoints on every CPU are not allowed.
        let target = try start(binary, [])
        let denied = try fg(
            ["offcpu", "--pid", "\(target.processIdentifier)", "--duration", "1", "-o", dir + "/x.svg"], asNobody: true)
        XCTAssertEqual(denied.status, 69, denied.stderr)
        XCTAssertTrue(denied.stderr.contains("perf is not permitted to"), denied.stderr)
        XCTAssertTrue(
            denied.stderr.contains("run as root") && denied.stderr.contains("perf_event_paranoid"), denied.stderr)
        XCTAssertEqual(denied.stderr.split(separator: "\n").count, 1, "one sentence")
        XCTAssertEqual(leftovers(), [])
    }
}
