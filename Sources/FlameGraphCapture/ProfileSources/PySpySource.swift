import FlameGraphCore

/// `py-spy record` of a running Python process, one recording per round, read back as folded stacks
/// (`python`, `pdie`).
public struct PySpySource: ProfileSource {
    public let pid: Int32
    public let options: PySpyInvocation.Options
    /// The progress line's label (`py-spy: sampling pid 42`).
    public let label: String

    public init(pid: Int32, options: PySpyInvocation.Options, label: String? = nil) {
        self.pid = pid
        self.options = options
        self.label = label ?? "py-spy: sampling pid \(pid)"
    }

    public var metadata: CaptureMetadata {
        CaptureMetadata(
            subject: "of pid \(pid)", samplingRate: Double(options.rate),
            captureCommand: "py-spy "
                + PySpyInvocation.recordArguments(pid: pid, duration: 0, output: "-", options: options)
                .joined(separator: " "))
    }

    public func prepare(_ session: CaptureSession) throws {
        _ = try Profiler.pySpy.locate(searchPath: session.settings.value("PATH"))
        try CaptureFiles.requireProcess(pid)
    }

    public func capture(_ round: CaptureRound) throws -> RoundCapture {
        let session = round.session
        guard ProcFS.presence(of: pid) == .alive else { return RoundCapture(profile: Profile(), targetEnded: true) }
        let pySpy = try Profiler.pySpy.locate(searchPath: session.settings.value("PATH"))
        let output = round.temporaryPath("py-spy.folded")
        // py-spy takes whole seconds: a fractional round asks for the next whole second and is stopped
        // (SIGINT: py-spy writes what it sampled) at its end; a whole one stops itself, and the deadline
        // only guards against a hang.
        let whole = round.duration.rounded(.up)
        let deadline = whole == round.duration ? whole + 20 : round.duration
        let spec = ProcessSpec(
            executable: pySpy,
            arguments: PySpyInvocation.recordArguments(
                pid: pid, duration: max(1, Int(whole)), output: output, options: options),
            environment: session.childEnvironment, standardOutput: .stream)
        var messages = BoundedBuffer(limit: 16 * 1024)
        // py-spy writes what it sampled on SIGINT only once it has attached and said so.
        let outcome = try session.record(
            spec, label: label, duration: round.duration, deadline: deadline,
            ready: { messages.text.contains("Sampling process") }, onStdout: { messages.append($0) })
        let said = messages.text + "\n" + outcome.stderr
        let stoppedByUs = outcome.stopReason == .deadline || outcome.stopReason == .interrupted
        if stoppedByUs && CaptureFiles.size(output) == nil {
            // Stopped before py-spy could write anything (a Ctrl-C while it was attaching): an empty round.
            return RoundCapture(profile: Profile())
        }
        guard outcome.termination.succeeded || stoppedByUs, CaptureFiles.size(output) != nil else {
            let alive = ProcFS.presence(of: pid) == .alive
            if !alive && round.index > 0 {
                // It exited between rounds: what the earlier rounds captured is the capture.
                session.warn("pid \(pid) exited during the capture; drawing what was captured")
                return RoundCapture(profile: Profile(), targetEnded: true)
            }
            if let known = PySpyInvocation.diagnose(
                stderr: said, pid: pid, targetAlive: alive, ptraceScope: ProcFS.sysctl("kernel/yama/ptrace_scope"))
            {
                throw known
            }
            let why = PerfInvocation.lastLine(of: outcome.stderr).map { ": \($0)" } ?? ""
            throw FlameGraphError(.unavailable, "py-spy record failed (\(outcome.termination))\(why)")
        }
        let exited = said.contains("process exited") || ProcFS.presence(of: pid) != .alive
        if exited { session.warn("pid \(pid) exited during the capture; drawing what was captured") }
        var reader = ProfileReader(format: .folded, sourceName: "py-spy output")
        try CaptureFiles.forEachChunk(output) { try reader.consume($0) }
        guard let decoded = try? reader.finish() else {
            return RoundCapture(profile: Profile(), targetEnded: exited)  // no samples in this round
        }
        for w in decoded.diagnostics.warnings { session.warn(w) }
        return RoundCapture(profile: decoded.profile, targetEnded: exited)
    }

    public func nothingCaptured(_ session: CaptureSession) -> FlameGraphError {
        CaptureErrors.noSamples("py-spy took no samples of pid \(pid)", session: session, pid: pid)
    }
}

/// Errors several sources share.
public enum CaptureErrors {
    /// The "no samples" error (65), saying why there may be none.
    public static func noSamples(_ what: String, session: CaptureSession, pid: Int32?) -> FlameGraphError {
        var why = ""
        if let pid, ProcFS.presence(of: pid) != .alive {
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
