import ArgumentParser
import FlameGraphCapture
import FlameGraphCore

/// py-spy's sampling flags, shared by `python` and `pdie`.
struct PySpyOptionGroup: ParsableArguments {
    @Option(help: "Samples per second.")
    var rate: Int = 100

    @Flag(help: "Include native (C/C++/Rust extension) frames.")
    var native = false

    @Flag(help: "Include idle threads (waiting on I/O, locks, sleep).")
    var idle = false

    @Flag(help: "Only samples of threads holding the GIL.")
    var gil = false

    @Flag(help: "Sample the process's child processes too.")
    var subprocesses = false

    func validate() throws {
        guard rate >= 1 && rate <= 10_000 else {
            throw ValidationError("--rate must be from 1 to 10000 samples per second")
        }
    }

    func options(includeChildren: Bool = false) -> PySpyInvocation.Options {
        PySpyInvocation.Options(
            rate: rate, native: native, idle: idle, gil: gil, subprocesses: subprocesses || includeChildren)
    }
}

/// `flame-graph python`: py-spy on a running Python process.
struct PythonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "python",
        abstract: "Sample a running Python process with py-spy and draw its flame graph.",
        discussion: """
            Runs `py-spy record --pid PID --duration N --rate R --format raw` (folded stacks) and draws them.
            Ctrl-C stops the capture early (py-spy still writes what it sampled); Ctrl-C again aborts.
            Needs py-spy (`pip install py-spy`) and ptrace rights on the process (root, or the same user
            with kernel.yama.ptrace_scope = 0).

            Examples:
              flame-graph python --pid 4242 --duration 30 --output py.svg
              flame-graph python --pid 4242 --native --idle --folded-output py.folded
              flame-graph python --pid 4242 --service worker --save-baseline
            """)

    @Option(help: "The Python process.")
    var pid: Int32

    @OptionGroup var pySpy: PySpyOptionGroup
    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        if pid <= 0 { throw ValidationError("--pid must be a positive process id") }
    }

    func run() throws {
        try CaptureFlow.run(PySpySource(pid: pid, options: pySpy.options()), capture: capture, render: render)
    }
}
