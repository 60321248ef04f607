import FlameGraphCore
import Synchronization

/// Where a process's threads wait off the CPU: `perf record -e sched:sched_switch -g -a` (with wakeups
/// and a light CPU sampling) paired into wait intervals per stack, in microseconds (`offcpu`).
/// Rounds are equal time windows of one recording; a wait that spans two windows is lost at the cut.
public final class OffCPUSource: ProfileSource, Sendable {
    public let pid: Int32
    public let callGraph: PerfInvocation.CallGraph
    public let includePreempted: Bool
    public let collapse: PerfCollapseOptions
    private let waits = Mutex(0)

    public init(
        pid: Int32, callGraph: PerfInvocation.CallGraph = .fp, includePreempted: Bool = false,
        collapse: PerfCollapseOptions = PerfCollapseOptions()
    ) {
        self.pid = pid
        self.callGraph = callGraph
        self.includePreempted = includePreempted
        self.collapse = collapse
    }

    public var metadata: CaptureMetadata {
        CaptureMetadata(
            subject: "of pid \(pid)",
            captureCommand: "perf record " + PerfInvocation.offCPUEvents.map { "-e \($0)" }.joined(separator: " ")
                + (callGraph == .fp ? " -g" : " --call-graph dwarf") + " -a",
            defaultPalette: .io)
    }

    public func prepare(_ session: CaptureSession) throws {
        _ = try Profiler.perf.locate(searchPath: session.settings.value("PATH"))
        try CaptureFiles.requireProcess(pid)
    }

    public var roundStrategy: RoundStrategy { .timeSlices }

    /// One round: the whole recording.
    public func capture(_ round: CaptureRound) throws -> RoundCapture {
        try captureSlices(round, count: 1)[0]
    }

    /// One recording of the whole duration, cut into `count` time windows.
    public func captureSlices(_ recording: CaptureRound, count: Int) throws -> [RoundCapture] {
        let session = recording.session
        let perf = try Profiler.perf.locate(searchPath: session.settings.value("PATH"))
        let data = recording.temporaryPath("sched.data")
        try PerfRuns.record(
            session, perf: perf, target: .systemWide, data: data, frequency: nil, callGraph: callGraph,
            events: PerfInvocation.offCPUEvents, watch: pid, label: "offcpu: tracing context switches of pid \(pid)",
            duration: recording.duration)
        if session.targetExited { session.warn("pid \(pid) exited during the capture; drawing what was captured") }
        return try PerfRuns.collapseSlices(
            session, perf: perf, data: data, fields: PerfInvocation.offCPUFields, count: count,
            make: { OffCPUCollapser(options: .init(pid: pid, includeRunnable: includePreempted, perf: collapse)) },
            consume: { $0.consume($1) },
            finish: { collapser in
                collapser.finish()
                for w in collapser.diagnostics.warnings { session.warn(w) }
                waits.withLock { $0 += collapser.intervals }
                return RoundCapture(profile: collapser.profile)
            }, detail: { "\(NumberFormatting.grouped(Double($0.switchEvents))) context switches read" })
    }

    public func nothingCaptured(_ session: CaptureSession) -> FlameGraphError {
        var why = "its threads did not block during the capture"
        if session.targetExited { why = "pid \(pid) exited before any of its threads came back from a wait" }
        if session.stoppedEarly { why = "stopped by Ctrl-C before any wait ended" }
        return FlameGraphError(.badInput, "no samples: no off-CPU time recorded for pid \(pid) (\(why))")
    }

    public func summary(of merged: Profile, rounds: [Profile]) -> String {
        let milliseconds = merged.totalWeight / 1000
        let count = waits.withLock { $0 }
        return
            "\(NumberFormatting.fixed(milliseconds, decimals: 1)) ms off-CPU in \(CaptureText.count(Double(count), "wait")) of pid \(pid)"
    }
}
