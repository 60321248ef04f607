import ArgumentParser
import FlameGraphCapture
import FlameGraphCore

/// `flame-graph offcpu`: where a process's threads wait, and for how long.
struct OffCPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offcpu",
        abstract: "Draw where a process's threads are blocked off the CPU (I/O, locks, sleep), in microseconds.",
        discussion: """
            Records the sched:sched_switch tracepoint with call chains on every CPU (`perf record -e
            sched:sched_switch -g -a`, plus wakeups and a light CPU sampling) for --duration seconds, then
            pairs each time a thread of PID leaves the CPU with the moment it comes back: the stack it left
            with gets the time it was away. Where the kernel does not trace the switch back in (some VMs
            do not for a CPU leaving idle), the wait ends at the thread's wakeup, or when it is next seen
            running.
            Preempted switches (still runnable) are not blocked time unless --include-preempted.
            Needs root (or CAP_PERFMON and a readable /sys/kernel/tracing).

            Examples:
              flame-graph offcpu --pid 4242 --duration 10 --output offcpu.svg
              flame-graph offcpu --pid 4242 --call-graph dwarf --folded-output offcpu.folded
            """)

    @Option(help: "The process whose threads are followed.")
    var pid: Int32

    @Option(
        name: [.customLong("call-graph")],
        help: "Call chains: fp (frame pointers, -g) or dwarf (deep stacks without frame pointers; big files).")
    var callGraph: String = "fp"

    @Flag(name: [.customLong("include-preempted")], help: "Also count time runnable but preempted.")
    var includePreempted = false

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var perf: PerfOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        if pid <= 0 { throw ValidationError("--pid must be a positive process id") }
        guard PerfInvocation.CallGraph(rawValue: callGraph) != nil else {
            throw ValidationError("--call-graph must be fp or dwarf")
        }
    }

    func run() throws {
        try CaptureSession.run(capture, render: render) { session in
            let perfPath = try Profiler.perf.locate()
            try CaptureSession.requireProcess(pid)
            let data = session.temporaryPath("sched.data")
            try ProfilerRuns.perfRecord(
                session, perf: perfPath, target: .systemWide, data: data, frequency: nil,
                callGraph: PerfInvocation.CallGraph(rawValue: callGraph)!, events: PerfInvocation.offCPUEvents,
                watch: pid,
                label: "offcpu: tracing context switches of pid \(pid)")
            if session.targetExited && !capture.output.quiet {
                Console.warn("pid \(pid) exited during the capture; drawing what was captured")
            }
            var collapser = OffCPUCollapser(
                options: .init(pid: pid, includeRunnable: includePreempted, perf: perf.options()))
            try ProfilerRuns.perfScript(
                session, perf: perfPath, data: data, fields: PerfInvocation.offCPUFields,
                consume: { collapser.consume($0) },
                detail: { "\(NumberFormatting.grouped(Double(collapser.switchEvents))) context switches read" })
            collapser.finish()
            if !capture.output.quiet { for w in collapser.diagnostics.warnings { Console.warn(w) } }
            guard collapser.totalMicroseconds > 0 else {
                var why = "its threads did not block during the capture"
                if session.targetExited { why = "pid \(pid) exited before any of its threads came back from a wait" }
                if session.stoppedEarly { why = "stopped by Ctrl-C before any wait ended" }
                throw FlameGraphError(.badInput, "no samples: no off-CPU time recorded for pid \(pid) (\(why))")
            }
            let milliseconds = Double(collapser.totalMicroseconds) / 1000
            return CapturedProfile(
                profile: collapser.profile,
                summary:
                    "\(NumberFormatting.fixed(milliseconds, decimals: 1)) ms off-CPU in \(ProgressLine.count(Double(collapser.intervals), "wait")) of pid \(pid)",
                rate: nil, defaultPalette: .io)
        }
    }
}
