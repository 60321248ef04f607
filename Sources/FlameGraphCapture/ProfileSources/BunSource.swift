import FlameGraphCore
import Foundation

/// Bun CPU profiles (`bun`).
///
/// - `.command`: the command runs once with `BUN_OPTIONS=--cpu-prof --cpu-prof-dir=<temp>` (so it
///   works through `bun run script`, shell scripts and child bun processes alike); every `.cpuprofile`
///   written is read, weighted by time (µs), and `--rounds` slices the run by time.
/// - `.inspector`: the WebKit inspector of a Bun started with `--inspect` (`WebKitInspector`), one
///   tracking session per round, one count per sampled stack.
public struct BunSource: ProfileSource {
    public enum Target: Sendable {
        case command(String)
        case inspector(WebKitInspector.Endpoint, pid: Int32?)
    }

    public let target: Target
    public init(_ target: Target) { self.target = target }

    public var metadata: CaptureMetadata {
        switch target {
        case .command(let command):
            return CaptureMetadata(
                subject: "of `\(command)`", samplingRate: 1000, captureCommand: "BUN_OPTIONS=--cpu-prof \(command)",
                defaultPalette: .js)
        case .inspector(let endpoint, let pid):
            return CaptureMetadata(
                subject: pid.map { "of pid \($0)" } ?? "from \(endpoint.shown)",
                captureCommand: "ScriptProfiler.startTracking \(endpoint.host):\(endpoint.port)", defaultPalette: .js)
        }
    }

    public var roundStrategy: RoundStrategy {
        if case .command = target { return .timeSlices }
        return .backToBack
    }

    public func captureSlices(_ recording: CaptureRound, count: Int) throws -> [RoundCapture] {
        guard case .command(let command) = target else { return [] }
        let session = recording.session
        let directory = recording.temporaryPath("cpuprofiles")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let own = "--cpu-prof --cpu-prof-dir=\(directory)"
        let existing = session.settings.value("BUN_OPTIONS").map { " " + $0 } ?? ""
        let environment =
            session.childEnvironment.filter { !$0.hasPrefix("BUN_OPTIONS=") } + ["BUN_OPTIONS=\(own)\(existing)"]
        let spec = ProcessSpec(
            executable: "/bin/sh", arguments: ["-c", command], environment: environment, standardOutput: .discard)
        let outcome = try session.record(spec, label: "bun: profiling `\(command)`", duration: recording.duration)
        if !outcome.termination.succeeded && outcome.stopReason == nil {
            session.warn("`\(command)` ended with \(outcome.termination)")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".cpuprofile") }.sorted()
        guard !names.isEmpty else {
            let stopped =
                outcome.stopReason != nil
                ? " (it was stopped at the deadline: Bun writes its profile only when it exits by itself; raise --duration)"
                : ""
            throw FlameGraphError(
                .unavailable, "`\(command)` wrote no .cpuprofile: does it run Bun (1.2 or later)?\(stopped)")
        }
        var options = ImportOptions()
        options.weightByTime = true
        options.keepSequence = true
        var merged = [Profile](repeating: Profile(), count: count)
        for name in names {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
            let decoded = try ProfileReader.decode(
                bytes, format: .cpuprofile, sourceName: "Bun's \(name)", options: options)
            for w in decoded.diagnostics.warnings { session.warn(w) }
            for (k, slice) in ProfileTimeSlices.slice(decoded.profile, count: count).enumerated() {
                merged[k].unit = slice.unit
                merged[k].merge(slice)
            }
        }
        return merged.map { RoundCapture(profile: $0, targetEnded: true) }
    }

    public func capture(_ round: CaptureRound) throws -> RoundCapture {
        guard case .inspector(let endpoint, let pid) = target else { return RoundCapture(profile: Profile()) }
        let session = round.session
        if let pid, ProcFS.presence(of: pid) != .alive { return RoundCapture(profile: Profile(), targetEnded: true) }
        let profile = try session.recording {
            try WebKitInspector.profile(
                endpoint, duration: round.duration, shouldStop: { session.stoppedEarly || session.aborted },
                tick: { elapsed in
                    session.reporter.progress(
                        "bun: profiling \(endpoint.host):\(endpoint.port): \(CaptureText.seconds(elapsed, of: round.duration)) — Ctrl-C stops early"
                    )
                })
        }
        session.reporter.clearProgress()
        try session.checkAborted()
        return RoundCapture(profile: profile, targetEnded: pid.map { ProcFS.presence(of: $0) != .alive } ?? false)
    }

    public func nothingCaptured(_ session: CaptureSession) -> FlameGraphError {
        if case .command(let command) = target {
            return FlameGraphError(.badInput, "no samples: the .cpuprofile of `\(command)` holds no samples")
        }
        return FlameGraphError(
            .badInput,
            "no samples: Bun's inspector took 0 samples \(metadata.subject). Bun answers the inspector on its JavaScript thread between event-loop turns, so code that never yields (a synchronous busy loop) is not sampled this way; an idle process has nothing to sample either. Profile such code with `flame-graph bun --cmd` (--cpu-prof samples from a thread of its own)."
        )
    }

    /// The inspector URL of a running Bun, from its command line (`--inspect[-wait|-brk]=HOST:PORT/PATH`)
    /// or its `BUN_INSPECT` variable.
    public static func inspectorURL(pid: Int32) throws -> String {
        try CaptureFiles.requireProcess(pid)
        let args = ProcFS.commandLine(of: pid) ?? []
        for arg in args {
            for flag in ["--inspect=", "--inspect-wait=", "--inspect-brk="] where arg.hasPrefix(flag) {
                return String(arg.dropFirst(flag.count))
            }
        }
        if let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") {
            for entry in environ.split(separator: 0) where entry.starts(with: Array("BUN_INSPECT=".utf8)) {
                return String(decoding: entry.dropFirst(12), as: UTF8.self)
            }
        }
        throw FlameGraphError(
            .unavailable,
            "pid \(pid) was not started with --inspect=HOST:PORT/NAME: start Bun with its inspector on (e.g. bun --inspect=127.0.0.1:6499/flame app.ts), or pass --inspect with the ws:// URL it printed"
        )
    }
}
