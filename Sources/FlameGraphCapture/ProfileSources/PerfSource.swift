import FlameGraphCore

/// Linux `perf record` of a process, a command or an existing perf.data, collapsed the way
/// `stackcollapse-perf.pl` does (`perf`).
///
/// Rounds: a process is recorded in back-to-back rounds (one `perf record -p` each); a command runs
/// once and an existing perf.data is read once — `perf script`'s timestamps cut them into N equal time
/// windows (`PerfTimeSlices`), each collapsed on its own.
public struct PerfSource: ProfileSource {
    public enum Target: Sendable, Equatable {
        case pid(Int32)
        /// `sh -c COMMAND`, recorded until it exits or the duration ends.
        case command(String)
        /// An existing perf.data: nothing is recorded.
        case perfData(String)
    }

    public let target: Target
    public let frequency: Int
    public let callGraph: PerfInvocation.CallGraph
    public let collapse: PerfCollapseOptions

    public init(
        target: Target, frequency: Int = 99, callGraph: PerfInvocation.CallGraph = .fp,
        collapse: PerfCollapseOptions = PerfCollapseOptions()
    ) {
        self.target = target
        self.frequency = frequency
        self.callGraph = callGraph
        self.collapse = collapse
    }

    public var metadata: CaptureMetadata {
        let graph = callGraph == .fp ? "-g" : "--call-graph dwarf"
        switch target {
        case .pid(let pid):
            return CaptureMetadata(
                subject: "of pid \(pid)", samplingRate: Double(frequency),
                captureCommand: "perf record -F \(frequency) \(graph) -p \(pid)")
        case .command:
            // The command's text is the user's and may hold anything: it is not repeated.
            return CaptureMetadata(
                subject: "of the command", samplingRate: Double(frequency),
                captureCommand: "perf record -F \(frequency) \(graph) -- sh -c COMMAND")
        case .perfData(let path):
            return CaptureMetadata(subject: "from \(path)", captureCommand: "perf script -i \(path)")
        }
    }

    public var roundStrategy: RoundStrategy {
        if case .pid = target { return .backToBack }
        return .timeSlices
    }

    public func prepare(_ session: CaptureSession) throws {
        _ = try perfPath(session)
        switch target {
        case .pid(let pid): try CaptureFiles.requireProcess(pid)
        case .perfData(let path):
            guard CaptureFiles.size(path) != nil else {
                throw FlameGraphError(.notFound, "input file \(path) does not exist")
            }
        case .command: break
        }
    }

    /// One round of `perf record -p PID`.
    public func capture(_ round: CaptureRound) throws -> RoundCapture {
        guard case .pid(let pid) = target else { return try captureSlices(round, count: 1)[0] }
        let session = round.session
        guard ProcFS.presence(of: pid) == .alive else { return RoundCapture(profile: Profile(), targetEnded: true) }
        let perf = try perfPath(session)
        let data = round.temporaryPath("perf.data")
        try PerfRuns.record(
            session, perf: perf, target: .pid(pid), data: data, frequency: frequency, callGraph: callGraph,
            label: "perf: recording pid \(pid)", duration: round.duration)
        var collapser = PerfScriptCollapser(options: collapse)
        try PerfRuns.script(
            session, perf: perf, data: data, consume: { collapser.consume($0) },
            detail: { CaptureText.count(Double(collapser.samplesKept), "sample") })
        collapser.finish()
        TemporaryDirectory.remove(data)
        for w in collapser.diagnostics.warnings { session.warn(w) }
        let exited = ProcFS.presence(of: pid) != .alive
        if exited { session.warn("pid \(pid) exited during the capture; drawing what was captured") }
        return RoundCapture(profile: collapser.profile, targetEnded: exited)
    }

    /// The command recorded once (or the perf.data read once), cut into `count` time windows.
    public func captureSlices(_ recording: CaptureRound, count: Int) throws -> [RoundCapture] {
        let session = recording.session
        let perf = try perfPath(session)
        let data: String
        switch target {
        case .perfData(let path): data = path
        case .command(let command):
            data = session.temporaryPath("perf.data")
            try PerfRuns.record(
                session, perf: perf, target: .command(command), data: data, frequency: frequency,
                callGraph: callGraph, label: "perf: recording the command", duration: recording.duration)
        case .pid:
            return [try capture(recording)]
        }
        if count == 1 {
            var collapser = PerfScriptCollapser(options: collapse)
            try PerfRuns.script(
                session, perf: perf, data: data, consume: { collapser.consume($0) },
                detail: { CaptureText.count(Double(collapser.samplesKept), "sample") })
            return [finished(&collapser, session)]
        }
        // Keep the text, note where each sample starts and when it was taken, then collapse each window.
        let text = session.temporaryPath("perf.script")
        let file = try CaptureFile(creating: text)
        var slices = PerfTimeSlices()
        try PerfRuns.script(
            session, perf: perf, data: data,
            consume: { chunk in
                slices.consume(chunk)
                try file.write(chunk)
            }, detail: { CaptureText.count(Double(slices.sampleCount), "sample") })
        file.close()
        slices.finish()
        if slices.sampleCount > 0 && slices.timeSpan == nil {
            session.warn("perf script printed no timestamps: the recording is one round, not \(count)")
        }
        return try slices.ranges(count: count).map { range in
            var collapser = PerfScriptCollapser(options: collapse)
            try CaptureFiles.forEachChunk(text, range: range) { collapser.consume($0) }
            return finished(&collapser, session)
        }
    }

    private func finished(_ collapser: inout PerfScriptCollapser, _ session: CaptureSession) -> RoundCapture {
        collapser.finish()
        for w in collapser.diagnostics.warnings { session.warn(w) }
        return RoundCapture(profile: collapser.profile)
    }

    public func nothingCaptured(_ session: CaptureSession) -> FlameGraphError {
        switch target {
        case .pid(let pid): return CaptureErrors.noSamples("perf recorded nothing", session: session, pid: pid)
        case .command: return CaptureErrors.noSamples("perf recorded nothing", session: session, pid: nil)
        case .perfData(let path): return CaptureErrors.noSamples("\(path) holds no samples", session: session, pid: nil)
        }
    }

    public func summary(of merged: Profile, rounds: [Profile]) -> String {
        guard case .pid(let pid) = target else { return CaptureText.count(merged.totalWeight, "sample") }
        return CaptureText.count(merged.totalWeight, "sample") + " of pid \(pid)"
    }

    private func perfPath(_ session: CaptureSession) throws -> String {
        try Profiler.perf.locate(searchPath: session.settings.value("PATH"))
    }
}
