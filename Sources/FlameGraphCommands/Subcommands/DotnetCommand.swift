import ArgumentParser
import FlameGraphCapture
import FlameGraphCore

/// `flame-graph dotnet`: .NET CPU profiles through EventPipe, no dotnet-trace needed.
struct DotnetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dotnet",
        abstract: "Profile a .NET (Core 3.0+) program with EventPipe's sample profiler and draw its flame graph.",
        discussion: """
            --cmd runs the command with EventPipe switched on by environment (COMPlus_EnableEventPipe and
            friends, DOTNET_ for .NET 5+) until it exits or --duration passes (then SIGINT: .NET shuts down
            and finishes the trace); --rounds N slices that one run into N windows of time.
            --pid attaches to a running process through the runtime's diagnostics socket
            ($TMPDIR/dotnet-diagnostic-PID-*-socket), as dotnet-trace does, one session per round.
            Weights are microseconds of thread time in managed code: each sample counts the time until
            that thread's next sample of any kind (the sample profiler pauses while the runtime is
            suspended, e.g. in a GC, so plain counts would under-weight code that allocates; a thread
            that blocks stops counting at its first waiting sample). `file`, `collapse` and `diff`
            read .nettrace files too.

            Examples:
              flame-graph dotnet --cmd 'dotnet exec --runtimeconfig app.runtimeconfig.json app.dll' --output app.svg
              flame-graph dotnet --pid "$(pgrep -f MyService)" --duration 20 --folded-output svc.folded
              flame-graph dotnet --pid 4242 --service orders --baseline auto
            """)

    @Option(help: ArgumentHelp("The command to run and trace (through /bin/sh -c).", valueName: "command"))
    var cmd: String?

    @Option(help: "A running .NET process to attach to (diagnostics IPC).")
    var pid: Int32?

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        guard (cmd != nil) != (pid != nil) else { throw ValidationError("give exactly one of --cmd and --pid") }
        if let pid, pid <= 0 { throw ValidationError("--pid must be a positive process id") }
        if let cmd, cmd.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--cmd needs a command")
        }
    }

    func run() throws {
        let source = DotnetSource(cmd.map { .command($0) } ?? .pid(pid!))
        try CaptureFlow.run(source, capture: capture, render: render)
    }
}
