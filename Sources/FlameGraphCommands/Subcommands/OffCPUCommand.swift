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
            Needs root (or CAP_PERFMON and a readable /sys/kernel/tracing). --rounds N records N
            back-to-back rounds; a wait spanning two rounds is cut where they meet.

            Examples:
              flame-graph offcpu --pid 4242 --duration 10 --output offcpu.svg
              flame-graph offcpu --pid 4242 --call-graph dwarf --folded-output offcpu.folded
            """)

    @Option(help: "The process whose threads are followed.")
    var pid: Int32

    @Option(
        name: [.customLong("call-graph")],
        help: "Call chains: fp (frame pointers, -g) or dwarf (deep stacks without frame pointers; big files).")
    var callGraph: PerfInvocation.CallGraph = .fp

    @Flag(name: [.customLong("include-preempted")], help: "Also count time runnable but preempted.")
    var includePreempted = false

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var perf: PerfOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        if pid <= 0 { throw ValidationError("--pid must be a positive process id") }
    }

    func run() throws {
        let source = OffCPUSource(
            pid: pid, callGraph: callGraph, includePreempted: includePreempted, collapse: perf.options())
        try CaptureFlow.run(source, capture: capture, render: render)
    }
}
