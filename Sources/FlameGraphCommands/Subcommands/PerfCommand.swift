import ArgumentParser
import FlameGraphCapture
import FlameGraphCore

/// `flame-graph perf`: Linux perf on a pid, on a command, or an existing `perf.data`.
struct PerfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perf",
        abstract: "Sample a process or a command with Linux perf and draw its CPU flame graph.",
        discussion: """
            Runs `perf record -F FREQ -g` on the process (-p PID) or the command (sh -c CMD) for --duration
            seconds or until the command exits, then streams `perf script` into the collapser. Ctrl-C stops
            the recording early and still draws what was captured; Ctrl-C again aborts (exit 130).
            A profiled command's standard output goes to stderr.

            Examples:
              flame-graph perf --pid 1234 --duration 30 --output cpu.svg
              flame-graph perf --cmd "./bench 100" --call-graph dwarf --folded-output cpu.folded
              flame-graph perf --perf-data perf.data --kernel
              flame-graph perf --pid 1234 --service api --baseline auto --junit junit.xml
            """)

    @Option(help: "Profile this running process.")
    var pid: Int32?

    @Option(
        help: ArgumentHelp(
            "Profile this shell command (`sh -c CMD`) until it exits or --duration ends.", valueName: "command"))
    var cmd: String?

    @Option(
        name: [.customLong("perf-data")],
        help: ArgumentHelp("Read an existing perf.data instead of recording.", valueName: "file"))
    var perfData: String?

    @Option(help: "Samples per second (perf record -F).")
    var frequency: Int = 99

    @Option(
        name: [.customLong("call-graph")],
        help: "Call chains: fp (frame pointers, -g) or dwarf (deep stacks without frame pointers, bigger files).")
    var callGraph: String = "fp"

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var perf: PerfOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        let targets = [pid != nil, cmd != nil, perfData != nil].filter { $0 }.count
        guard targets == 1 else { throw ValidationError("give exactly one of --pid, --cmd and --perf-data") }
        if let pid, pid <= 0 { throw ValidationError("--pid must be a positive process id") }
        if let cmd, cmd.trimmingCharacters(in: " ").isEmpty { throw ValidationError("--cmd needs a command") }
        guard frequency >= 1 && frequency <= 100_000 else {
            throw ValidationError("--frequency must be from 1 to 100000 samples per second")
        }
        guard PerfInvocation.CallGraph(rawValue: callGraph) != nil else {
            throw ValidationError("--call-graph must be fp or dwarf")
        }
    }

    func run() throws {
        try CaptureSession.run(capture, render: render) { session in
            let perfPath = try Profiler.perf.locate()
            let data: String
            if let perfData {
                guard CaptureSession.fileSize(perfData) != nil else {
                    throw FlameGraphError(.notFound, "input file \(perfData) does not exist")
                }
                data = perfData
            } else {
                let target: PerfInvocation.Target
                if let pid {
                    try CaptureSession.requireProcess(pid)
                    target = .pid(pid)
                } else {
                    target = .command(cmd!)
                }
                data = session.temporaryPath("perf.data")
                try ProfilerRuns.perfRecord(
                    session, perf: perfPath, target: target, data: data, frequency: frequency,
                    callGraph: PerfInvocation.CallGraph(rawValue: callGraph)!,
                    label: pid.map { "perf: recording pid \($0)" } ?? "perf: recording the command")
            }
            var collapser = PerfScriptCollapser(options: perf.options())
            try ProfilerRuns.perfScript(
                session, perf: perfPath, data: data, consume: { collapser.consume($0) },
                detail: { ProgressLine.count(Double(collapser.samplesKept), "sample") })
            collapser.finish()
            if !capture.output.quiet { for w in collapser.diagnostics.warnings { Console.warn(w) } }
            let exited = pid.map { ProcFS.presence(of: $0) != .alive } ?? false
            guard collapser.profile.totalWeight > 0 else {
                let what = perfData.map { "\($0) holds no samples" } ?? "perf recorded nothing"
                throw ProfilerRuns.noSamples(what, session: session, exited: exited, pid: pid)
            }
            if exited && !capture.output.quiet, let pid {
                Console.warn("pid \(pid) exited during the capture; drawing what was captured")
            }
            let rate = perfData == nil ? Double(frequency) : nil
            return CapturedProfile(
                profile: collapser.profile,
                summary: ProgressLine.count(Double(collapser.samplesKept), "sample")
                    + (pid.map { " of pid \($0)" } ?? ""),
                rate: rate)
        }
    }
}
