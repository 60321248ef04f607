/// Streaming converter from `perf script` output of `sched:sched_switch` events (recorded with call
/// chains) to off-CPU time by stack, in microseconds.
///
/// A `sched_switch` event fires in the context of the thread leaving the CPU (`prev`): its header names
/// that thread (`comm PID/TID`), its call chain is where the thread blocked, and its fields say which
/// thread comes on (`next_pid=`, a thread id). For every switch-out of a thread of the target process
/// the stack and time are kept; the next event that switches the same thread back in closes the
/// interval, and the stack gets the interval's length as weight. So the flame graph shows where the
/// target's threads waited, and for how long.
///
/// - Some kernels do not trace every switch-in: on this project's VMs, perf sees no event at all in
///   the idle task of a secondary CPU, so a thread woken on an idle CPU comes back without a
///   `sched_switch` naming it. Such a wait ends at the first other sign that the thread ran again: its
///   `sched:sched_wakeup` (the switch-in follows within microseconds on an idle CPU), else the first
///   event in the thread's own context (a wakeup it makes, a CPU sample, its next switch-out) — an
///   upper bound, as tight as the sampling in the input.
/// - Only completed intervals count: a thread still off the CPU (and not woken) when the recording ends
///   is counted in `openIntervals`, not in the profile.
/// - Switch-outs in a runnable state (`prev_state=R`, `R+`: preempted, not blocked) are left out unless
///   `includeRunnable` is set: they are waits for a CPU, not for I/O or locks.
/// - Stacks are named exactly as `PerfScriptCollapser` names them (the same options apply): each
///   completed interval is handed to an inner collapser as an event whose period is the interval.
///
/// Expects headers with `PID/TID` (`perf script -F comm,pid,tid,cpu,time,event,trace,ip,sym,dso`); with
/// only a TID column a thread is taken to belong to the target when its TID is the target pid (the main
/// thread), and a warning says so.
public struct OffCPUCollapser {
    public struct Options: Sendable {
        /// The process whose threads are followed; nil: every process.
        public var pid: Int32?
        /// Count preempted (runnable) switch-outs too.
        public var includeRunnable: Bool
        /// How stacks are named (root frame, kernel annotations, demangling, skip-after).
        public var perf: PerfCollapseOptions

        public init(pid: Int32? = nil, includeRunnable: Bool = false, perf: PerfCollapseOptions = PerfCollapseOptions())
        {
            self.pid = pid
            self.includeRunnable = includeRunnable
            self.perf = perf
            self.perf.eventFilter = nil
        }
    }

    public let options: Options
    private var inner: PerfScriptCollapser
    public private(set) var diagnostics = Diagnostics()

    /// `sched_switch` events read.
    public private(set) var switchEvents = 0
    /// Switch-outs of target threads that were kept (blocked, not preempted).
    public private(set) var switchOuts = 0
    /// Intervals that went into the profile.
    public private(set) var intervals = 0
    /// Target threads still off the CPU at the end (their last wait is not counted).
    public private(set) var openIntervals = 0
    /// Waits closed at the thread's wakeup because its switch-in was not in the input.
    public private(set) var closedAtWakeup = 0
    /// Waits closed at the thread's next own event (it was running by then) because neither its
    /// switch-in nor its wakeup was in the input: an upper bound.
    public private(set) var closedWhenSeenRunning = 0
    /// Total off-CPU time in the profile, in microseconds.
    public private(set) var totalMicroseconds: UInt64 = 0

    /// A thread that left the CPU and has not come back yet.
    private struct Pending {
        var nanoseconds: UInt64
        /// `comm PID/TID` as the header had it.
        var who: [UInt8]
        /// The call chain lines, each ending in a newline.
        var stack: [UInt8]
        /// When a `sched_wakeup` woke the thread, if one did.
        var woken: UInt64? = nil
    }

    private var pending: [Int32: Pending] = [:]

    private var splitter = LineSplitter()

    // The current event.
    private var inEvent = false
    private var isSwitch = false
    private var keepStack = false
    private var eventTime: UInt64 = 0
    private var eventTID: Int32 = -1
    private var nextTID: Int32 = -1
    private var who: [UInt8] = []
    private var stack: [UInt8] = []

    private var headersWithoutPID = 0
    private var unreadableHeaders = 0
    private var finished = false

    public init(options: Options = Options()) {
        self.options = options
        inner = PerfScriptCollapser(options: options.perf, lanes: false)
    }

    /// The off-CPU profile so far (unit: microseconds).
    public var profile: Profile {
        var p = inner.profile
        p.unit = .microseconds
        return p
    }

    public mutating func consume(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { consume($0) }
    }

    /// Processes every complete line in `chunk`; a trailing partial line waits for the next chunk.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer) {
        var lines = LineSplitter(maxLineLength: 0)
        swap(&lines, &splitter)  // the splitter calls back into `self`
        lines.split(chunk) { p, n, _ in
            line(UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: n))
        }
        swap(&lines, &splitter)
    }

    /// Ends the input: the last line and event, open intervals, warnings.
    public mutating func finish() {
        guard !finished else { return }
        finished = true
        var lines = LineSplitter(maxLineLength: 0)
        swap(&lines, &splitter)
        lines.finish { p, n, _ in line(UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: n)) }
        swap(&lines, &splitter)
        if inEvent { endEvent() }
        for tid in pending.keys.sorted() {
            let p = pending[tid]!
            if let woken = p.woken {
                close(p, at: woken)
                closedAtWakeup += 1
            } else {
                openIntervals += 1
            }
        }
        pending.removeAll()
        inner.finish()
        diagnostics.merge(inner.diagnostics)
        if let long = splitter.warning(in: nil) { diagnostics.warn(long) }
        if headersWithoutPID > 0 {
            diagnostics.warn(
                "\(headersWithoutPID) sched_switch events had no PID column (only TID): only the target's main thread was followed; record with `perf script -F comm,pid,tid,cpu,time,event,trace,ip,sym,dso`"
            )
        }
        if unreadableHeaders > 0 {
            diagnostics.warn("Ignored \(unreadableHeaders) sched_switch events without a readable time or next_pid")
        }
    }

    // MARK: - Lines

    @inline(__always)
    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    private mutating func line(_ l: UnsafeBufferPointer<UInt8>) {
        var end = l.count
        while end > 0 && Self.isBlank(l[end - 1]) { end -= 1 }
        if end == 0 {
            if inEvent { endEvent() }
            return
        }
        // Call chain lines are indented with a tab; anything else starts a new event (a header).
        if inEvent && l[0] == 0x09 {
            if keepStack {
                stack.append(contentsOf: UnsafeBufferPointer(rebasing: l[0..<end]))
                stack.append(0x0A)
            }
            return
        }
        if inEvent { endEvent() }
        if l[0] == UInt8(ascii: "#") { return }
        header(UnsafeBufferPointer(rebasing: l[0..<end]))
    }

    /// Any event: `comm PID/TID [cpu] secs.frac: EVENT: …`. Every event says its thread is running (so a
    /// wait of that thread has ended); `sched_wakeup` says when a thread was woken; `sched_switch` is
    /// `… sched:sched_switch: prev_comm=… prev_pid=… prev_prio=… prev_state=S ==> next_comm=… next_pid=… next_prio=…`.
    private mutating func header(_ b: UnsafeBufferPointer<UInt8>) {
        inEvent = true
        isSwitch = false
        keepStack = false
        stack.removeAll(keepingCapacity: true)
        let switchAt = Self.find(Self.switchEventName, in: b, from: 0)
        if switchAt != nil { switchEvents += 1 }

        // After the comm (which may hold blanks): the PID/TID word, the CPU, the time (`secs.frac:`).
        // The PID/TID is the last word of digits (with one `/` at most) before the time.
        let limit = switchAt ?? b.count
        var i = 0
        while i < limit && !Self.isBlank(b[i]) { i += 1 }  // the comm's first word
        var idStart = -1
        var idEnd = -1
        var slash = -1
        var timeStart = -1
        var timeEnd = -1
        while i < limit && timeStart < 0 {
            while i < limit && Self.isBlank(b[i]) { i += 1 }
            let ws = i
            while i < limit && !Self.isBlank(b[i]) { i += 1 }
            guard i > ws else { break }
            var digits = 0
            var slashes = 0
            var dots = 0
            var other = 0
            var sl = -1
            for k in ws..<i {
                let c = b[k]
                if Self.isDigit(c) {
                    digits += 1
                } else if c == UInt8(ascii: "/") {
                    slashes += 1
                    sl = k
                } else if c == UInt8(ascii: ".") {
                    dots += 1
                } else if c == UInt8(ascii: "-") {
                    // perf prints `-1` for a thread it never learned about (one that exited).
                } else {
                    other += 1
                }
            }
            if dots == 1 && slashes == 0 && other == 1 && b[i - 1] == UInt8(ascii: ":") && digits > 0 {
                timeStart = ws
                timeEnd = i - 1
            } else if other == 0 && dots == 0 && slashes <= 1 && digits > 0 && b[ws] != UInt8(ascii: "/")
                && b[i - 1] != UInt8(ascii: "/")
            {
                idStart = ws
                idEnd = i
                slash = sl
            }
        }
        guard timeStart > 0, let time = Self.nanoseconds(b, timeStart, timeEnd) else {
            if switchAt != nil { unreadableHeaders += 1 }
            return
        }
        // The thread this event ran in. perf prints `:-1 PID/-1` for one it has no record of (it exited
        // before perf saw it): its own waits cannot be followed, what it does to others can.
        var tid: Int32? = nil
        var processID: Int32? = nil
        if idStart > 0 {
            if slash >= 0 {
                if let p = Self.int32(b, idStart, slash), let t = Self.int32(b, slash + 1, idEnd) {
                    processID = p
                    tid = t
                }
            } else if let t = Self.int32(b, idStart, idEnd) {
                tid = t
                if switchAt != nil { headersWithoutPID += 1 }
            }
        }
        // Running now: a wait of this thread whose switch-in was not traced ends here, or at its wakeup.
        if let tid, let open = pending.removeValue(forKey: tid) {
            if let woken = open.woken {
                close(open, at: woken)
                closedAtWakeup += 1
            } else {
                close(open, at: time)
                closedWhenSeenRunning += 1
            }
        }

        guard let eventAt = switchAt else {
            if let wakeAt = Self.find(Self.wakeupEventName, in: b, from: timeEnd),
                let woken = Self.number(after: Self.wokenPIDField, in: b, from: wakeAt, last: true),
                pending[woken] != nil && pending[woken]!.woken == nil
            {
                pending[woken]!.woken = time
            }
            return
        }
        guard let next = Self.number(after: Self.nextPIDField, in: b, from: eventAt, last: true) else {
            unreadableHeaders += 1
            return
        }
        isSwitch = true
        eventTime = time
        nextTID = next
        guard let tid else { return }
        eventTID = tid

        // Is this a switch-out of a target thread that blocked?
        let target: Bool
        if let wanted = options.pid {
            target = processID.map { $0 == wanted } ?? (tid == wanted)
        } else {
            target = tid != 0  // the idle task is not a thread that waits
        }
        guard target else { return }
        if !options.includeRunnable, let state = Self.word(after: Self.prevStateField, in: b, from: eventAt),
            state.first == UInt8(ascii: "R")
        {
            return
        }
        keepStack = true
        who.removeAll(keepingCapacity: true)
        who.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<idEnd]))
    }

    /// Closes the interval of the thread switched in, then opens one for the thread switched out.
    private mutating func endEvent() {
        inEvent = false
        guard isSwitch else { return }
        isSwitch = false
        if let open = pending.removeValue(forKey: nextTID) { close(open, at: eventTime) }
        if keepStack {
            keepStack = false
            switchOuts += 1
            pending[eventTID] = Pending(nanoseconds: eventTime, who: who, stack: stack)
        }
    }

    /// Gives `open`'s stack the time from its switch-out to `end`, in whole microseconds.
    private mutating func close(_ open: Pending, at end: UInt64) {
        guard end >= open.nanoseconds else { return }
        let micros = (end - open.nanoseconds + 500) / 1000
        if micros > 0 { emit(open, micros) }
    }

    /// Hands one interval to the inner collapser as `comm PID/TID MICROS offcpu:` + the stack.
    private mutating func emit(_ p: Pending, _ micros: UInt64) {
        intervals += 1
        totalMicroseconds += micros
        var event = p.who
        event.append(0x20)
        event.append(contentsOf: String(micros).utf8)
        event.append(contentsOf: Self.syntheticEvent)
        event.append(contentsOf: p.stack)
        event.append(0x0A)
        inner.consume(event)
    }

    private static let switchEventName: [UInt8] = Array(" sched:sched_switch:".utf8)
    private static let wakeupEventName: [UInt8] = Array(" sched:sched_wakeup:".utf8)
    private static let wokenPIDField: [UInt8] = Array(" pid=".utf8)
    private static let nextPIDField: [UInt8] = Array("next_pid=".utf8)
    private static let prevStateField: [UInt8] = Array("prev_state=".utf8)
    private static let syntheticEvent: [UInt8] = Array(" offcpu:\n".utf8)
}
