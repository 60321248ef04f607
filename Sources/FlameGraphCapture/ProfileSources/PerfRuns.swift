import FlameGraphCore

/// The `perf` steps the perf and off-CPU sources share: `perf record` checked for having recorded
/// something, and `perf script` streamed into a consumer. Failures become one sentence with the fix.
enum PerfRuns {
    /// Runs `perf record` into `data` for `duration` seconds (or until the command or `watch` ends).
    static func record(
        _ session: CaptureSession, perf: String, target: PerfInvocation.Target, data: String, frequency: Int?,
        callGraph: PerfInvocation.CallGraph, events: [String] = [], watch: Int32? = nil, label: String,
        duration: Double
    ) throws {
        let arguments = PerfInvocation.recordArguments(
            target: target, output: data, frequency: frequency, callGraph: callGraph, events: events)
        var isCommand = false
        if case .command = target { isCommand = true }
        // A profiled command's own output goes to our stderr, never into `--output -`.
        let spec = ProcessSpec(
            executable: perf, arguments: arguments, environment: session.childEnvironment,
            standardOutput: isCommand && !session.settings.quiet ? .standardError : .discard)
        let outcome = try session.record(spec, label: label, duration: duration, watch: watch)

        let size = CaptureFiles.size(data) ?? 0
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
        for w in PerfInvocation.warnings(in: outcome.stderr) { session.warn("perf: \(w)") }
        if isCommand, outcome.stopReason == nil, !outcome.termination.succeeded {
            session.warn("the profiled command ended with \(outcome.termination)")
        }
    }

    /// Streams `perf script` of `data` into `consume`; throws when perf cannot read the file.
    static func script(
        _ session: CaptureSession, perf: String, data: String, fields: [String]? = nil,
        consume: (UnsafeRawBufferPointer) throws -> Void, detail: () -> String?
    ) throws {
        let spec = ProcessSpec(
            executable: perf, arguments: PerfInvocation.scriptArguments(input: data, fields: fields),
            environment: session.childEnvironment, standardOutput: .stream)
        let shown = data.hasPrefix(session.directory) ? "the recording" : data
        let outcome = try session.process(spec, label: "reading \(shown)", onStdout: consume, detail: detail)
        guard outcome.termination.succeeded else {
            let why = PerfInvocation.lastLine(of: outcome.stderr).map { ": \($0)" } ?? ""
            throw FlameGraphError(.badInput, "perf script could not read \(shown) (\(outcome.termination))\(why)")
        }
        for w in PerfInvocation.warnings(in: outcome.stderr) { session.warn("perf: \(w)") }
    }

    /// `perf script` of `data` collapsed into `count` rounds: with one, streamed straight into a
    /// collapser; with more, the text is kept in the temporary directory while `PerfTimeSlices` notes
    /// each sample's time, then each equal time window is collapsed on its own.
    static func collapseSlices<Collapser>(
        _ session: CaptureSession, perf: String, data: String, fields: [String]? = nil, count: Int,
        make: () -> Collapser, consume: (inout Collapser, UnsafeRawBufferPointer) -> Void,
        finish: (inout Collapser) -> RoundCapture, detail: (Collapser) -> String
    ) throws -> [RoundCapture] {
        if count == 1 {
            var collapser = make()
            try script(
                session, perf: perf, data: data, fields: fields, consume: { consume(&collapser, $0) },
                detail: { detail(collapser) })
            return [finish(&collapser)]
        }
        let text = session.temporaryPath("perf.script")
        let file = try CaptureFile(creating: text)
        var slices = PerfTimeSlices()
        try script(
            session, perf: perf, data: data, fields: fields,
            consume: { chunk in
                slices.consume(chunk)
                try file.write(chunk)
            }, detail: { CaptureText.count(Double(slices.sampleCount), "event") })
        file.close()
        slices.finish()
        if slices.sampleCount > 0 && slices.timeSpan == nil {
            session.warn("perf script printed no timestamps: the recording is one round, not \(count)")
        }
        defer { TemporaryDirectory.remove(text) }
        return try slices.ranges(count: count).map { range in
            var collapser = make()
            try CaptureFiles.forEachChunk(text, range: range) { consume(&collapser, $0) }
            return finish(&collapser)
        }
    }
}
