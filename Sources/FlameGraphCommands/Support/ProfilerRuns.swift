import FlameGraphCapture
import FlameGraphCore

/// The profiler steps the capture subcommands share: `perf record`, `perf script` streamed into a
/// converter, and `py-spy record`. Failures become one sentence with the fix (see `cli.md`).
enum ProfilerRuns {
    /// Environment variables a profiler has no business seeing.
    static let secretVariables = ["RESQ_API_KEY", "RESQ_TOKEN"]

    static func childEnvironment() -> [String] {
        ProcessEnvironment.removing(secretVariables, from: ProcessEnvironment.current())
    }

    // MARK: - perf

    /// Runs `perf record` into `data` and checks that it recorded something.
    static func perfRecord(
        _ session: CaptureSession, perf: String, target: PerfInvocation.Target, data: String, frequency: Int?,
        callGraph: PerfInvocation.CallGraph, events: [String] = [], watch: Int32? = nil, label: String
    ) throws {
        let arguments = PerfInvocation.recordArguments(
            target: target, output: data, frequency: frequency, callGraph: callGraph, events: events)
        var isCommand = false
        if case .command = target { isCommand = true }
        // A profiled command's own output goes to our stderr, never into `--output -`.
        let spec = ProcessSpec(
            executable: perf, arguments: arguments, environment: childEnvironment(),
            standardOutput: isCommand && !session.options.output.quiet ? .standardError : .discard)
        let outcome = try session.record(
            spec, label: label, deadline: Double(session.options.duration), watch: watch)

        let size = CaptureSession.fileSize(data) ?? 0
        // perf's own failures exit 255 (or 129 for a bad event). With a command, perf exits with the
        // command's status, so a failing command that was recorded is only worth a warning.
        let perfStatus = outcome.termination == .exited(255) || outcome.termination == .exited(129)
        let perfFailed =
            isCommand
            ? perfStatus && PerfInvocation.diagnoseRecord(stderr: outcome.stderr, target: target, paranoid: nil) != nil
            : perfStatus || (outcome.stopReason == nil && !outcome.termination.succeeded)
        if perfFailed || size == 0 {
            let paranoid = ProcFS.sysctl("kernel/perf_event_paranoid")
            if let known = PerfInvocation.diagnoseRecord(stderr: outcome.stderr, target: target, paranoid: paranoid) {
                throw known
            }
            if case .pid(let pid) = target, ProcFS.presence(of: pid) != .alive {
                throw FlameGraphError(.unavailable, "no process with pid \(pid) (it exited before perf could attach)")
            }
            let why = PerfInvocation.lastLine(of: outcome.stderr).map { ": \($0)" } ?? ""
            throw FlameGraphError(.unavailable, "perf record failed (\(outcome.termination))\(why)")
        }
        if !session.options.output.quiet {
            for w in PerfInvocation.warnings(in: outcome.stderr) { Console.warn("perf: \(w)") }
            if isCommand, outcome.stopReason == nil, !outcome.termination.succeeded {
                Console.warn("the profiled command ended with \(outcome.termination)")
            }
        }
    }

    /// Streams `perf script` of `data` into `consume`; throws when perf cannot read the file.
    static func perfScript(
        _ session: CaptureSession, perf: String, data: String, fields: [String]? = nil,
        consume: (UnsafeRawBufferPointer) -> Void, detail: () -> String?
    ) throws {
        let spec = ProcessSpec(
            executable: perf, arguments: PerfInvocation.scriptArguments(input: data, fields: fields),
            environment: childEnvironment(), standardOutput: .stream)
        let outcome = try session.process(spec, label: "reading \(data)", onStdout: consume, detail: detail)
        guard outcome.termination.succeeded else {
            let why = PerfInvocation.lastLine(of: outcome.stderr).map { ": \($0)" } ?? ""
            throw FlameGraphError(.badInput, "perf script could not read \(data) (\(outcome.termination))\(why)")
        }
        if !session.options.output.quiet {
            for w in PerfInvocation.warnings(in: outcome.stderr) { Console.warn("perf: \(w)") }
        }
    }

    // MARK: - py-spy

    /// `py-spy record` of `pid` for the session's duration, read back as folded stacks.
    static func pySpy(_ session: CaptureSession, pid: Int32, options: PySpyInvocation.Options, label: String) throws
        -> CapturedProfile
    {
        let pySpy = try Profiler.pySpy.locate()
        try CaptureSession.requireProcess(pid)
        let output = session.temporaryPath("py-spy.folded")
        let duration = session.options.duration
        let spec = ProcessSpec(
            executable: pySpy,
            arguments: PySpyInvocation.recordArguments(pid: pid, duration: duration, output: output, options: options),
            environment: childEnvironment(), standardOutput: .stream)
        var messages = BoundedBuffer(limit: 16 * 1024)
        // py-spy stops itself after --duration; the deadline only guards against a hang.
        let outcome = try session.record(
            spec, label: label, deadline: Double(duration) + 20, onStdout: { messages.append($0) })
        let said = messages.text + "\n" + outcome.stderr
        guard outcome.termination.succeeded, CaptureSession.fileSize(output) != nil else {
            let alive = ProcFS.presence(of: pid) == .alive
            if let known = PySpyInvocation.diagnose(
                stderr: said, pid: pid, targetAlive: alive, ptraceScope: ProcFS.sysctl("kernel/yama/ptrace_scope"))
            {
                throw known
            }
            let why = PerfInvocation.lastLine(of: outcome.stderr).map { ": \($0)" } ?? ""
            throw FlameGraphError(.unavailable, "py-spy record failed (\(outcome.termination))\(why)")
        }
        let exited = said.contains("process exited") || ProcFS.presence(of: pid) != .alive
        var reader = ProfileReader(format: .folded, sourceName: "py-spy output")
        try InputFile.forEachChunk(output) { try reader.consume($0) }
        let decoded: DecodedProfile
        do {
            decoded = try reader.finish()
        } catch let e as FlameGraphError where e.kind == .badInput {
            throw noSamples("py-spy took no samples of pid \(pid)", session: session, exited: exited, pid: pid)
        }
        if !session.options.output.quiet { for w in decoded.diagnostics.warnings { Console.warn(w) } }
        if exited && !session.options.output.quiet {
            Console.warn("pid \(pid) exited during the capture; drawing what was captured")
        }
        let samples = decoded.profile.totalWeight
        return CapturedProfile(
            profile: decoded.profile, summary: "\(ProgressLine.count(samples, "sample")) of pid \(pid)",
            rate: Double(options.rate))
    }

    /// The "no samples" error (65), saying why there may be none.
    static func noSamples(_ what: String, session: CaptureSession, exited: Bool, pid: Int32?) -> FlameGraphError {
        var why = ""
        if exited, let pid {
            why = ": pid \(pid) exited before any sample was taken"
        } else if session.stoppedEarly {
            why = ": stopped by Ctrl-C before any sample was taken"
        } else if let pid {
            why =
                ": is pid \(pid) idle? CPU samplers see only running code (py-spy --idle, or `flame-graph offcpu` for waiting)"
        }
        return FlameGraphError(.badInput, "no samples: \(what)\(why)")
    }
}
