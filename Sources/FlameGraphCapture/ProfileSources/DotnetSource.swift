import FlameGraphCore
import Foundation

/// .NET CPU profiles through EventPipe (`dotnet`): the runtime's sample profiler plus its method
/// events, read back from a nettrace.
///
/// - `.command`: the command runs once with EventPipe switched on by environment (`COMPlus_*` for
///   .NET Core 3.x, `DOTNET_*` for .NET 5+) and writes its trace into our temporary directory when it
///   exits (or at the deadline: SIGINT, which .NET answers by shutting down and finishing the file);
///   `--rounds` slices that one recording by time.
/// - `.pid`: the diagnostics IPC protocol (what `dotnet-trace` speaks), one EventPipe session per round.
public struct DotnetSource: ProfileSource {
    public enum Target: Sendable {
        case command(String)
        case pid(Int32)
    }

    public let target: Target
    public init(_ target: Target) { self.target = target }

    /// Keywords of Microsoft-Windows-DotNETRuntime: GC, loader, JIT, NGen/R2R, … (the set dotnet-trace's
    /// cpu-sampling profile asks for); 0x10 (JIT) and 0x20 (NGen) bring the method names.
    static let runtimeKeywords: UInt64 = 0x4_c14f_ccbd
    static let providers = [
        DiagnosticsIPC.Provider(name: "Microsoft-DotNETCore-SampleProfiler", keywords: 0, level: 5),
        DiagnosticsIPC.Provider(name: "Microsoft-Windows-DotNETRuntime", keywords: runtimeKeywords, level: 5),
    ]

    public var metadata: CaptureMetadata {
        switch target {
        case .command(let command):
            return CaptureMetadata(
                subject: "of `\(command)`", samplingRate: 1000, captureCommand: "EventPipe: \(command)")
        case .pid(let pid):
            return CaptureMetadata(
                subject: "of pid \(pid)", samplingRate: 1000, captureCommand: "EventPipe CollectTracing --pid \(pid)")
        }
    }

    public var roundStrategy: RoundStrategy {
        if case .command = target { return .timeSlices }
        return .backToBack
    }

    public func prepare(_ session: CaptureSession) throws {
        if case .pid(let pid) = target {
            try CaptureFiles.requireProcess(pid)
            _ = try DiagnosticsIPC.socketPath(pid: pid)
        }
    }

    /// The environment that makes a .NET process trace itself into `directory`.
    static func environment(directory: String) -> [String] {
        let config = providers.map { "\($0.name):\(String($0.keywords, radix: 16)):\($0.level)" }.joined(separator: ",")
        var entries: [String] = []
        for prefix in ["COMPlus_", "DOTNET_"] {
            entries += ["\(prefix)EnableEventPipe=1", "\(prefix)EventPipeConfig=\(config)"]
        }
        // 3.x takes a directory (a file path crashes it); 5+ takes a file name with {pid}.
        entries.append("COMPlus_EventPipeOutputPath=\(directory)")
        entries.append("DOTNET_EventPipeOutputPath=\(directory)/trace.{pid}.nettrace")
        return entries
    }

    public func captureSlices(_ recording: CaptureRound, count: Int) throws -> [RoundCapture] {
        guard case .command(let command) = target else { return [] }
        let session = recording.session
        let directory = recording.temporaryPath("nettrace")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let overridden = Set(Self.environment(directory: directory).map { $0.prefix { $0 != "=" } })
        let environment =
            session.childEnvironment.filter { !overridden.contains($0.prefix { $0 != "=" }) }
            + Self.environment(directory: directory)
        let spec = ProcessSpec(
            executable: "/bin/sh", arguments: ["-c", command], environment: environment, standardOutput: .discard)
        let outcome = try session.record(spec, label: "dotnet: tracing `\(command)`", duration: recording.duration)
        if !outcome.termination.succeeded && outcome.stopReason == nil {
            session.warn("`\(command)` ended with \(outcome.termination)")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        guard let name = names.filter({ $0.hasSuffix(".nettrace") }).sorted().first else {
            throw FlameGraphError(
                .unavailable,
                "`\(command)` wrote no EventPipe trace: is it a .NET Core 3.0+ program (dotnet exec/run, or an app host)?"
            )
        }
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
        let (slices, diagnostics) = try NetTraceDecoder.decodeSlices(
            bytes, sourceName: "the trace of `\(command)`", count: count)
        for w in diagnostics.warnings { session.warn(w) }
        return slices.map { RoundCapture(profile: $0, targetEnded: true) }
    }

    public func capture(_ round: CaptureRound) throws -> RoundCapture {
        guard case .pid(let pid) = target else { return RoundCapture(profile: Profile(), targetEnded: true) }
        let session = round.session
        guard ProcFS.presence(of: pid) == .alive else { return RoundCapture(profile: Profile(), targetEnded: true) }
        let started = Monotonic.now()
        let bytes = try session.recording {
            try DiagnosticsIPC.trace(
                pid: pid, providers: Self.providers, until: Date() + round.duration,
                shouldStop: {
                    let elapsed = Monotonic.now() - started
                    session.reporter.progress(
                        "dotnet: tracing pid \(pid): \(CaptureText.seconds(elapsed, of: round.duration)) — Ctrl-C stops early"
                    )
                    return session.stoppedEarly || session.aborted
                })
        }
        session.reporter.clearProgress()
        try session.checkAborted()
        let ended = ProcFS.presence(of: pid) != .alive
        guard !bytes.isEmpty else { return RoundCapture(profile: Profile(), targetEnded: ended) }
        do {
            // A process that exits mid-session leaves the stream unfinished: keep what arrived.
            let (profile, diagnostics) = try NetTraceDecoder.decode(
                bytes, sourceName: "the trace of pid \(pid)", allowTruncated: ended)
            for w in diagnostics.warnings { session.warn(w) }
            return RoundCapture(profile: profile, targetEnded: ended)
        } catch let error as FlameGraphError where error.message.contains("no managed-code CPU samples") {
            return RoundCapture(profile: Profile(), targetEnded: ended)
        }
    }

    public func nothingCaptured(_ session: CaptureSession) -> FlameGraphError {
        switch target {
        case .pid(let pid):
            return CaptureErrors.noSamples(
                "EventPipe took no managed-code samples of pid \(pid)", session: session, pid: pid)
        case .command(let command):
            return FlameGraphError(.badInput, "no samples: the trace of `\(command)` holds no managed-code CPU samples")
        }
    }
}
