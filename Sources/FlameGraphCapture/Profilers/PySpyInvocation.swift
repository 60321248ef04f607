import FlameGraphCore

/// The `py-spy record` command line and what its failures mean.
public enum PySpyInvocation {
    /// The sampling choices `py-spy record` takes.
    public struct Options: Sendable, Equatable {
        public var rate: Int
        public var native: Bool
        public var idle: Bool
        public var gil: Bool
        public var subprocesses: Bool

        public init(
            rate: Int = 100, native: Bool = false, idle: Bool = false, gil: Bool = false, subprocesses: Bool = false
        ) {
            self.rate = rate
            self.native = native
            self.idle = idle
            self.gil = gil
            self.subprocesses = subprocesses
        }
    }

    /// `py-spy record --pid PID --duration N --rate R --format raw -o OUTPUT [flags]` (raw = folded).
    public static func recordArguments(pid: Int32, duration: Int, output: String, options: Options) -> [String] {
        var args = [
            "record", "--pid", String(pid), "--duration", String(duration), "--rate", String(options.rate), "--format",
            "raw", "--output", output,
        ]
        if options.native { args.append("--native") }
        if options.idle { args.append("--idle") }
        if options.gil { args.append("--gil") }
        if options.subprocesses { args.append("--subprocesses") }
        return args
    }

    /// What a failed `py-spy record` said, as one sentence with the fix.
    ///
    /// - Parameters:
    ///   - targetAlive: whether the pid still exists (tells "not Python" from "gone").
    ///   - ptraceScope: the value of `kernel.yama.ptrace_scope`, for the message.
    public static func diagnose(stderr: String, pid: Int32, targetAlive: Bool, ptraceScope: String?) -> FlameGraphError?
    {
        let text = stderr
        if text.contains("Permission Denied") || text.contains("Permission denied")
            || text.contains("Operation not permitted")
        {
            let scope = ptraceScope.map { "; kernel.yama.ptrace_scope is \($0)" } ?? ""
            return FlameGraphError(
                .unavailable,
                "py-spy is not permitted to read pid \(pid) (ptrace not allowed\(scope)): run as root or with CAP_SYS_PTRACE (`docker run --cap-add SYS_PTRACE`), or as the process's owner with `sysctl -w kernel.yama.ptrace_scope=0`"
            )
        }
        if !targetAlive || text.contains("No such process") {
            return FlameGraphError(.unavailable, "no process with pid \(pid) (it may have exited)")
        }
        if text.contains("Failed to find python version") || text.contains("Failed to find a python interpreter")
            || text.contains("Failed to get process executable name") || text.contains("No python processes found")
        {
            return FlameGraphError(
                .unavailable, "pid \(pid) is not a Python process (py-spy found no interpreter in it)")
        }
        return nil
    }

    /// The sample count py-spy reports when it writes its output (`… Samples: 187 Errors: 0`).
    public static func reportedSamples(in stderr: String) -> Int? {
        guard let line = stderr.split(separator: "\n").last(where: { $0.contains("Samples: ") }) else { return nil }
        let words = line.split(separator: " ")
        guard let at = words.firstIndex(of: "Samples:"), at + 1 < words.count else { return nil }
        return Int(words[at + 1])
    }
}
