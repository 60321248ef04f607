import FlameGraphCore
import Synchronization

/// Linux `perf record` of a process, a command or an existing perf.data, collapsed the way
/// `stackcollapse-perf.pl` does (`perf`).
///
/// Weights: perf weighs each sample by its period. The recording samples `cpu-clock` (not the
/// hardware `cycles` a machine with a PMU would default to), whose period is fixed time — 1e9 / F ns
/// at `-F F` — so graphs show time, the same on every host, and the period is the sampling interval
/// the gate counts samples with. An existing perf.data weighs as its event says (`perfUnit`).
///
/// Rounds: the process or command is recorded once, for the whole duration (no start-up gap between
/// rounds, no sample lost to a restart), and `perf script`'s timestamps cut the recording into N equal
/// time windows (`PerfTimeSlices`), each collapsed on its own. An existing perf.data is cut the same way.
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
    /// Samples kept over all rounds, for the summary (weights are perf's periods: time for cpu-clock).
    private let kept = SampleCount()

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
        let event = Self.events.map { "-e \($0) " }.joined()
        switch target {
        case .pid(let pid):
            return CaptureMetadata(
                subject: "of pid \(pid)", samplingRate: Double(frequency),
                captureCommand: "perf record \(event)-F \(frequency) \(graph) -p \(pid)")
        case .command:
            // The command's text is the user's and may hold anything: it is not repeated.
            return CaptureMetadata(
                subject: "of the command", samplingRate: Double(frequency),
                captureCommand: "perf record \(event)-F \(frequency) \(graph) -- sh -c COMMAND")
        case .perfData(let path):
            return CaptureMetadata(subject: "from \(path)", captureCommand: "perf script -i \(path)")
        }
    }

    /// What the recording samples: time, whatever the host's PMU.
    static let events = ["cpu-clock"]

    public var roundStrategy: RoundStrategy { .timeSlices }

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

    /// One round: the whole recording.
    public func capture(_ round: CaptureRound) throws -> RoundCapture {
        try captureSlices(round, count: 1)[0]
    }

    /// The process or command recorded once (or the perf.data read once), cut into `count` windows.
    public func captureSlices(_ recording: CaptureRound, count: Int) throws -> [RoundCapture] {
        let session = recording.session
        let perf = try perfPath(session)
        let data: String
        switch target {
        case .perfData(let path): data = path
        case .pid(let pid):
            data = recording.temporaryPath("perf.data")
            try PerfRuns.record(
                session, perf: perf, target: .pid(pid), data: data, frequency: frequency, callGraph: callGraph,
                events: Self.events, label: "perf: recording pid \(pid)", duration: recording.duration)
        case .command(let command):
            data = recording.temporaryPath("perf.data")
            try PerfRuns.record(
                session, perf: perf, target: .command(command), data: data, frequency: frequency,
                callGraph: callGraph, events: Self.events, label: "perf: recording the command",
                duration: recording.duration)
        }
        let rounds = try PerfRuns.collapseSlices(
            session, perf: perf, data: data, count: count, make: { PerfScriptCollapser(options: collapse) },
            consume: { $0.consume($1) },
            finish: { collapser in
                collapser.finish()
                for w in collapser.diagnostics.warnings { session.warn(w) }
                kept.add(collapser.samplesKept)
                // Weighted by perf's periods: cpu-clock's are nanoseconds, with the period as interval.
                return RoundCapture(profile: ProfileReader.perfProfile(collapser))
            }, detail: { CaptureText.count(Double($0.samplesKept), "sample") })
        if case .pid(let pid) = target, ProcFS.presence(of: pid) != .alive {
            session.warn("pid \(pid) exited during the capture; drawing what was captured")
        }
        return rounds
    }

    public func nothingCaptured(_ session: CaptureSession) -> FlameGraphError {
        switch target {
        case .pid(let pid): return CaptureErrors.noSamples("perf recorded nothing", session: session, pid: pid)
        case .command: return CaptureErrors.noSamples("perf recorded nothing", session: session, pid: nil)
        case .perfData(let path): return CaptureErrors.noSamples("\(path) holds no samples", session: session, pid: nil)
        }
    }

    public func summary(of merged: Profile, rounds: [Profile]) -> String {
        let samples = CaptureText.count(Double(kept.value), "sample")
        guard case .pid(let pid) = target else { return samples }
        return samples + " of pid \(pid)"
    }

    private func perfPath(_ session: CaptureSession) throws -> String {
        try Profiler.perf.locate(searchPath: session.settings.value("PATH"))
    }
}

/// A count shared by a source's rounds (sources are values; their rounds run one after another).
final class SampleCount: Sendable {
    private let count = Mutex(0)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
}
