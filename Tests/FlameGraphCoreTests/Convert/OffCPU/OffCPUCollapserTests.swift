import FlameGraphTestSupport
import XCTest

@testable import FlameGraphCore

/// `OffCPUCollapser` on hand-written `perf script -F comm,pid,tid,cpu,time,event,trace,ip,sym,dso`
/// output of `sched:sched_switch` events.
final class OffCPUCollapserTests: XCTestCase {
    /// One `sched_switch` event: `who` (`comm PID/TID`) leaves the CPU at `time` in `state`, `next`
    /// comes on; `frames` leaf first.
    func event(_ who: String, _ time: String, state: String = "S", next: Int, _ frames: [String] = []) -> String {
        let parts = who.split(separator: " ")
        let tid = parts.last!.split(separator: "/").last!
        let comm = parts.dropLast().joined(separator: " ")
        var s =
            "\(who) [000] \(time): sched:sched_switch: prev_comm=\(comm) prev_pid=\(tid) prev_prio=120 prev_state=\(state) ==> next_comm=x next_pid=\(next) next_prio=120\n"
        for (k, f) in frames.enumerated() {
            let dso = f.hasPrefix("k:") ? "[kernel.kallsyms]" : "/srv/app"
            let name = f.hasPrefix("k:") ? String(f.dropFirst(2)) : f
            s += "\t    \(String(0x1000 + k, radix: 16)) \(name)+0x\(k) (\(dso))\n"
        }
        return s + "\n"
    }

    let blockedInRead = ["k:__schedule", "k:schedule", "read", "wait_for_input", "main"]
    let blockedOnLock = ["k:__schedule", "k:futex_wait", "__lll_lock_wait", "take_lock", "worker"]

    func collapse(_ text: String, _ options: OffCPUCollapser.Options) -> OffCPUCollapser {
        var c = OffCPUCollapser(options: options)
        c.consume(Array(text.utf8))
        c.finish()
        return c
    }

    func folded(_ c: OffCPUCollapser) -> [String] {
        foldedText(c.profile).split(separator: "\n").map(String.init)
    }

    func testSwitchOutIsPairedWithTheNextSwitchInOfTheSameThread() {
        let text =
            event("app 100/100", "10.000000", next: 7, blockedInRead)
            + event("other 7/7", "10.000200", state: "R", next: 8, ["k:__schedule", "spin"])
            + event("other 8/8", "10.000500", state: "S", next: 100, ["k:__schedule", "idle_wait"])
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(folded(c), ["app;main;wait_for_input;read;schedule;__schedule 500"])
        XCTAssertEqual(c.profile.unit, .microseconds)
        XCTAssertEqual(c.intervals, 1)
        XCTAssertEqual(c.totalMicroseconds, 500)
        XCTAssertEqual(c.switchEvents, 3)
        XCTAssertEqual(c.openIntervals, 0)
    }

    func testThreadsOfTheTargetArePairedByThreadIdAndOtherProcessesAreLeftOut() {
        let text =
            event("app 100/100", "1.000000", next: 0, blockedInRead)
            + event("app 100/101", "1.000100", next: 0, blockedOnLock)
            + event("db 300/300", "1.000150", next: 0, ["k:__schedule", "fsync"])
            // Thread 101 comes back first, after 1.9 ms; thread 100 after 3 ms; db's wait is not ours.
            + event("swapper 0/0", "1.002000", state: "R", next: 101)
            + event("swapper 0/0", "1.003000", state: "R", next: 100)
            + event("swapper 0/0", "1.004000", state: "R", next: 300)
            // Thread 101 blocks on the lock again, for 1 ms.
            + event("app 100/101", "1.005000", next: 0, blockedOnLock)
            + event("swapper 0/0", "1.006000", state: "R", next: 101)
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(
            folded(c),
            [
                "app;main;wait_for_input;read;schedule;__schedule 3000",
                "app;worker;take_lock;__lll_lock_wait;futex_wait;__schedule 2900",
            ])
        XCTAssertEqual(c.intervals, 3)

        let everyone = collapse(text, .init(pid: nil))
        XCTAssertTrue(folded(everyone).contains("db;fsync;__schedule 3850"), "\(folded(everyone))")
    }

    func testPreemptedSwitchOutsAreNotBlockedTimeUnlessAskedFor() {
        let text =
            event("app 100/100", "2.000000", state: "R+", next: 0, ["k:__schedule", "k:preempt", "crunch", "main"])
            + event("swapper 0/0", "2.000300", state: "R", next: 100)
            + event("app 100/100", "2.001000", state: "D", next: 0, ["k:__schedule", "k:io_schedule", "pread", "main"])
            + event("swapper 0/0", "2.001700", state: "R", next: 100)
        XCTAssertEqual(folded(collapse(text, .init(pid: 100))), ["app;main;pread;io_schedule;__schedule 700"])
        XCTAssertEqual(
            folded(collapse(text, .init(pid: 100, includeRunnable: true))),
            ["app;main;crunch;preempt;__schedule 300", "app;main;pread;io_schedule;__schedule 700"])
    }

    func testAThreadStillOffCPUAtTheEndIsCountedAsOpenNotInTheProfile() {
        let text =
            event("app 100/100", "3.000000", next: 0, blockedInRead)
            + event("swapper 0/0", "3.000010", state: "R", next: 100)
            + event("app 100/100", "3.000020", next: 0, blockedOnLock)
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(folded(c), ["app;main;wait_for_input;read;schedule;__schedule 10"])
        XCTAssertEqual(c.openIntervals, 1)
    }

    func testSwitchInWithoutASwitchOutSeenIsIgnoredAndSameStacksAreSummed() {
        let text =
            event("swapper 0/0", "4.000000", state: "R", next: 100)
            + event("app 100/100", "4.000100", next: 0, blockedInRead)
            + event("swapper 0/0", "4.000350", state: "R", next: 100)
            + event("app 100/100", "4.000400", next: 0, blockedInRead)
            + event("swapper 0/0", "4.000650", state: "R", next: 100)
        XCTAssertEqual(
            folded(collapse(text, .init(pid: 100))), ["app;main;wait_for_input;read;schedule;__schedule 500"])
    }

    func testChunkBoundariesDoNotChangeTheResult() {
        var text = ""
        var t = 5_000_000
        for k in 0..<200 {
            let who = k % 3 == 0 ? "app 100/100" : "app 100/102"
            text += event(
                who, "\(t / 1_000_000).\(String(t % 1_000_000).leftPadded(6))", next: 0,
                k % 2 == 0 ? blockedInRead : blockedOnLock)
            t += 37 + k
            text += event(
                "swapper 0/0", "\(t / 1_000_000).\(String(t % 1_000_000).leftPadded(6))", state: "R",
                next: k % 3 == 0 ? 100 : 102)
            t += 11
        }
        let whole = collapse(text, .init(pid: 100))
        let bytes = Array(text.utf8)
        for size in [1, 2, 7, 64, 4096] {
            var c = OffCPUCollapser(options: .init(pid: 100))
            var i = 0
            while i < bytes.count {
                c.consume(Array(bytes[i..<min(i + size, bytes.count)]))
                i += size
            }
            c.finish()
            XCTAssertEqual(folded(c), folded(whole), "chunk size \(size)")
        }
        XCTAssertEqual(whole.intervals, 200)
    }

    func testCommWithBlanksAndNanosecondTimestamps() {
        let text =
            event("Web Content 400/401", "6.000000100", next: 0, ["k:__schedule", "poll", "event_loop"])
            + event("swapper 0/0", "6.000001600", state: "R", next: 401)
        let c = collapse(text, .init(pid: 400))
        // 1.5 µs rounds to 2.
        XCTAssertEqual(folded(c), ["Web_Content;event_loop;poll;__schedule 2"])
    }

    func testNamingOptionsApply() {
        let text =
            event("app 100/100", "7.000000", next: 0, blockedInRead)
            + event("swapper 0/0", "7.000100", state: "R", next: 100)
        var perf = PerfCollapseOptions(includeTID: true, annotateKernel: true)
        perf.eventFilter = "cycles"  // ignored: the converter picks its own events
        XCTAssertEqual(
            folded(collapse(text, .init(pid: 100, perf: perf))),
            ["app-100/100;main;wait_for_input;read;schedule_[k];__schedule_[k] 100"])
    }

    func testHeadersWithoutAPIDFollowOnlyTheMainThreadAndSaySo() {
        let text =
            "app 100 [000] 8.000000: sched:sched_switch: prev_comm=app prev_pid=100 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n\t 1 read (/srv/app)\n\n"
            + "app 101 [000] 8.000010: sched:sched_switch: prev_comm=app prev_pid=101 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n\t 1 lock (/srv/app)\n\n"
            + "swapper 0 [000] 8.000050: sched:sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=app next_pid=100 next_prio=120\n\n"
            + "swapper 0 [000] 8.000060: sched:sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=app next_pid=101 next_prio=120\n\n"
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(folded(c), ["app;read 50"])
        XCTAssertTrue(c.diagnostics.warnings.contains { $0.contains("no PID column") }, "\(c.diagnostics.warnings)")
    }

    func testOtherEventsAndUnreadableLinesAreSkipped() {
        let text =
            "# a comment\n"
            + "app 100/100 [000] 9.000000: 10101010 cpu-clock: \n\t 1 busy (/srv/app)\n\n"
            + event("app 100/100", "9.000100", next: 0, blockedInRead)
            + "garbage line without anything\n\n"
            + event("swapper 0/0", "9.000300", state: "R", next: 100)
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(folded(c), ["app;main;wait_for_input;read;schedule;__schedule 200"])
    }

    func testASwitchInAfterAThreadPerfNeverKnewStillClosesTheWait() {
        // A thread that exited before perf learned its name and tid prints as `:-1 PID/-1`.
        let text =
            event("app 100/100", "11.000000", next: 0, blockedInRead)
            + ":-1  5741/-1    [000]  11.000400: sched:sched_switch: prev_comm=gone prev_pid=5755 prev_prio=120 prev_state=X ==> next_comm=app next_pid=100 next_prio=120\n\t 1 do_exit ([kernel.kallsyms])\n\n"
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(folded(c), ["app;main;wait_for_input;read;schedule;__schedule 400"])
        XCTAssertEqual(c.diagnostics.warnings, [])
    }

    func testAnUnreadableEventDoesNotCloseAWaitWithStaleFields() {
        let text =
            event("app 100/100", "12.000000", next: 0, blockedInRead)
            + event("swapper 0/0", "12.000100", state: "R", next: 7)
            + "x 1/1 [000] not-a-time: sched:sched_switch: prev_comm=x prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=app next_pid=100 next_prio=120\n\n"
            + event("swapper 0/0", "12.000900", state: "R", next: 100)
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(folded(c), ["app;main;wait_for_input;read;schedule;__schedule 900"])
        XCTAssertEqual(c.diagnostics.warnings, ["Ignored 1 sched_switch events without a readable time or next_pid"])
    }

    /// A `sched_wakeup` of `tid` at `time`, as perf prints it: the ip on the header line, no blank line.
    func wakeup(_ time: String, tid: Int, by who: String = "swapper 0/0") -> String {
        "          \(who) [001]  \(time): sched:sched_wakeup: comm=app pid=\(tid) prio=120 target_cpu=001 ffffffff813aa3e5 ttwu_do_activate ([kernel.kallsyms])\n"
    }

    func testAnUntracedSwitchInIsClosedAtTheWakeup() {
        // The kernel traced no switch-in (an idle CPU), but the wakeup and the next switch-out show.
        let text =
            event("app 100/100", "13.000000", next: 0, blockedInRead)
            + wakeup("13.000600", tid: 100)
            + event("app 100/100", "13.002000", next: 0, blockedOnLock)
            + event("other 7/7", "13.002500", state: "S", next: 100)
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(
            folded(c),
            [
                "app;main;wait_for_input;read;schedule;__schedule 600",
                "app;worker;take_lock;__lll_lock_wait;futex_wait;__schedule 500",
            ])
        XCTAssertEqual(c.closedAtWakeup, 1)
        XCTAssertEqual(c.closedWhenSeenRunning, 0)
        XCTAssertEqual(c.diagnostics.warnings, [])
    }

    func testATracedSwitchInWinsOverTheWakeupAndWakeupsOfOthersDoNothing() {
        let text =
            event("app 100/100", "14.000000", next: 0, blockedInRead)
            + wakeup("14.000100", tid: 555)
            + wakeup("14.000600", tid: 100, by: "disk 100/101")
            + event("swapper 0/0", "14.000700", state: "R", next: 100)
        XCTAssertEqual(
            folded(collapse(text, .init(pid: 100))), ["app;main;wait_for_input;read;schedule;__schedule 700"])
    }

    func testAWakeupAtTheEndClosesTheWait() {
        let text = event("app 100/100", "15.000000", next: 0, blockedInRead) + wakeup("15.000250", tid: 100)
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(folded(c), ["app;main;wait_for_input;read;schedule;__schedule 250"])
        XCTAssertEqual(c.openIntervals, 0)
    }

    func testWithoutAWakeupAWaitEndsWhenTheThreadIsSeenRunning() {
        // No switch-in and no wakeup: the thread's own next event (here a CPU sample) bounds the wait.
        let text =
            event("app 100/100", "16.000000", next: 0, blockedInRead)
            + "          app 100/100 [001]  16.000300: cpu-clock/freq=499,call-graph=no/:      5643 spin (/srv/app)\n"
            + event("app 100/100", "16.002000", next: 0, blockedOnLock)
            + event("other 7/7", "16.002500", state: "S", next: 100)
        let c = collapse(text, .init(pid: 100))
        XCTAssertEqual(
            folded(c),
            [
                "app;main;wait_for_input;read;schedule;__schedule 300",
                "app;worker;take_lock;__lll_lock_wait;futex_wait;__schedule 500",
            ])
        XCTAssertEqual(c.closedWhenSeenRunning, 1)

        // With only its next switch-out to go by, that is where the wait ends.
        let bare =
            event("app 100/100", "17.000000", next: 0, blockedInRead)
            + event("app 100/100", "17.002000", next: 0, blockedOnLock)
        XCTAssertEqual(
            folded(collapse(bare, .init(pid: 100))), ["app;main;wait_for_input;read;schedule;__schedule 2000"])
    }

    func testAnOverLongLineIsDroppedWithoutDisturbingTheRest() {
        let text =
            event("app 100/100", "18.000000", next: 0, blockedInRead)
            + String(repeating: "x", count: PerfScriptCollapser.maxLineLength + 1000) + "\n\n"
            + event("swapper 0/0", "18.000400", state: "R", next: 100)
        let bytes = Array(text.utf8)
        var c = OffCPUCollapser(options: .init(pid: 100))
        var i = 0
        while i < bytes.count {
            c.consume(Array(bytes[i..<min(i + 1 << 20, bytes.count)]))
            i += 1 << 20
        }
        c.finish()
        XCTAssertEqual(folded(c), ["app;main;wait_for_input;read;schedule;__schedule 400"])
    }

    func testNoEventsGiveAnEmptyProfile() {
        let c = collapse("", .init(pid: 1))
        XCTAssertEqual(c.profile.totalWeight, 0)
        XCTAssertEqual(c.switchEvents, 0)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
