import FlameGraphCore

/// The `perf record` and `perf script` command lines flame-graph runs, and what their failures mean.
public enum PerfInvocation {
    /// What `perf record` samples.
    public enum Target: Sendable, Equatable {
        /// A running process (`-p PID`).
        case pid(Int32)
        /// A shell command perf starts (`-- sh -c CMD`); the capture lasts until it exits or the deadline.
        case command(String)
        /// Every CPU (`-a`), for tracepoints such as `sched:sched_switch`.
        case systemWide
    }

    /// How call chains are recorded.
    public enum CallGraph: String, Sendable, CaseIterable {
        /// Frame pointers (`-g`): cheap, but code built without them shows 1–2 frames.
        case fp
        /// DWARF unwinding of a copy of the user stack (`--call-graph dwarf`): deep stacks, big files.
        case dwarf
    }

    /// `perf record …` arguments (after `perf`).
    ///
    /// - Parameters:
    ///   - events: tracepoints such as `sched:sched_switch`; none samples the CPU at `frequency` Hz.
    public static func recordArguments(
        target: Target, output: String, frequency: Int?, callGraph: CallGraph, events: [String] = [],
        shell: String = "/bin/sh"
    ) -> [String] {
        var args = ["record"]
        for event in events { args += ["-e", event] }
        if let frequency { args += ["-F", String(frequency)] }
        switch callGraph {
        case .fp: args.append("-g")
        case .dwarf: args += ["--call-graph", "dwarf"]
        }
        // The data is read once, right away: no copies of every binary into ~/.debug.
        args += ["--no-buildid-cache", "-o", output]
        switch target {
        case .pid(let pid): args += ["-p", String(pid)]
        case .systemWide: args.append("-a")
        case .command(let command): args += ["--", shell, "-c", command]
        }
        return args
    }

    /// `perf script …` arguments: the default text, or the named fields (`-F comm,pid,tid,…`).
    public static func scriptArguments(input: String, fields: [String]? = nil) -> [String] {
        var args = ["script", "-i", input]
        if let fields { args += ["-F", fields.joined(separator: ",")] }
        return args
    }

    /// What `offcpu` records: context switches with call chains; wakeups and a light CPU sampling
    /// without, which end a wait whose switch-in was not traced (perf sees nothing in the idle task of a
    /// secondary CPU on some VMs, this project's included).
    public static let offCPUEvents = [
        "sched:sched_switch", "sched:sched_wakeup/call-graph=no/", "cpu-clock/freq=499,call-graph=no/",
    ]

    /// The fields the off-CPU converter reads: the header with PID/TID and time, the tracepoint's
    /// fields, and the call chain.
    public static let offCPUFields = ["comm", "pid", "tid", "cpu", "time", "event", "trace", "ip", "sym", "dso"]

    /// What a failed `perf record` said, as one sentence with the fix; nil when nothing is recognised.
    ///
    /// - Parameters:
    ///   - paranoid: the value of `kernel.perf_event_paranoid`, for the message.
    public static func diagnoseRecord(stderr: String, target: Target, paranoid: String?) -> FlameGraphError? {
        let text = stderr
        let setting = paranoid.map { " (kernel.perf_event_paranoid is \($0))" } ?? ""
        if text.contains("is not installed") || text.contains("perf not found for kernel") {
            let line =
                firstLine(containing: ["not installed", "not found for kernel"], in: text) ?? "perf for this kernel"
            return FlameGraphError(
                .unavailable,
                "perf cannot run on this kernel: \(line); install the matching package (`apt-get install linux-perf`)")
        }
        if text.contains("can't access trace events") || text.contains("No permissions to read /sys/kernel/tracing")
            || text.contains("No permissions to read /sys/kernel/debug/tracing")
        {
            return FlameGraphError(
                .unavailable,
                "perf is not permitted to read the sched:sched_switch tracepoint\(setting): run as root, or set `sysctl -w kernel.perf_event_paranoid=-1` and make /sys/kernel/tracing readable (`mount -o remount,mode=755 /sys/kernel/tracing`)"
            )
        }
        if text.contains("perf_event_paranoid") || text.contains("Access to performance monitoring")
            || text.contains("Permission denied") || text.contains("Operation not permitted")
        {
            switch target {
            case .systemWide:
                return FlameGraphError(
                    .unavailable,
                    "perf is not permitted to record every CPU\(setting): run as root (or with CAP_PERFMON), or set `sysctl -w kernel.perf_event_paranoid=-1`"
                )
            case .pid(let pid):
                return FlameGraphError(
                    .unavailable,
                    "perf is not permitted to profile pid \(pid)\(setting): run as root or as the process's owner, and set `sysctl -w kernel.perf_event_paranoid=1` (or lower) if it is above 2"
                )
            case .command:
                return FlameGraphError(
                    .unavailable,
                    "perf is not permitted to profile\(setting): run as root, or set `sysctl -w kernel.perf_event_paranoid=1`"
                )
            }
        }
        if text.contains("No such process") || text.contains("Couldn't create thread/CPU maps") {
            if case .pid(let pid) = target {
                return FlameGraphError(.unavailable, "no process with pid \(pid) (perf could not attach to it)")
            }
        }
        if text.contains("Failed to collect") && text.contains("workload") {
            let line = firstLine(containing: ["Failed to collect"], in: text) ?? "the command could not be started"
            return FlameGraphError(.unavailable, "perf could not start the command: \(line)")
        }
        return nil
    }

    /// Warnings worth passing on from perf's standard error: lost events and chunks.
    public static func warnings(in stderr: String) -> [String] {
        stderr.split(separator: "\n").map { $0.trimmingBlanks() }.filter {
            ($0.contains("lost") || $0.contains("LOST")) && !$0.isEmpty
        }
    }

    /// The sample count perf reports at the end of `perf record` (`… (994 samples) ]`), if it did.
    public static func recordedSamples(in stderr: String) -> Int? {
        guard let line = stderr.split(separator: "\n").last(where: { $0.contains(" samples)") }) else { return nil }
        let words = line.split(separator: " ")
        guard let at = words.firstIndex(of: "samples)"), at > 0, words[at - 1].hasPrefix("(") else { return nil }
        return Int(words[at - 1].dropFirst())
    }

    /// The last meaningful line of a tool's standard error, for a message.
    public static func lastLine(of stderr: String) -> String? {
        stderr.split(separator: "\n").map { $0.trimmingBlanks() }.last {
            !$0.isEmpty && !$0.hasPrefix("[ perf record:") && !$0.hasPrefix("Usage:") && !$0.hasPrefix("or:")
        }
    }

    static func firstLine(containing needles: [String], in text: String) -> String? {
        text.split(separator: "\n").first { line in needles.contains { line.contains($0) } }.map {
            $0.trimmingBlanks()
        }
    }
}

extension Substring {
    func trimmingBlanks() -> String { String(self).trimmingBlanks() }
}
