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
            --rounds N: the process or command is recorded once (a perf.data read once) and cut into N
            equal time windows by perf script's timestamps; the gate compares the windows.
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
    var callGraph: PerfInvocation.CallGraph = .fp

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
    }

    func run() throws {
        let target: PerfSource.Target =
            if let pid { .pid(pid) } else if let cmd { .command(cmd) } else { .perfData(perfData ?? "") }
        let source = PerfSource(target: target, frequency: frequency, callGraph: callGraph, collapse: perf.options())
        try CaptureFlow.run(source, capture: capture, render: render)
    }
}
