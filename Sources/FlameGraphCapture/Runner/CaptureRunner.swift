import FlameGraphCore

/// One round as a source sees it: which round, how long, and the session to run things in.
public struct CaptureRound: Sendable {
    /// 0-based; for `captureSlices`, 0 (the one recording).
    public let index: Int
    /// How many rounds the run takes (for `captureSlices`, the number of windows asked for).
    public let count: Int
    /// Seconds this round records (for `captureSlices`, the whole duration).
    public let duration: Double
    public let session: CaptureSession

    /// A temporary path of this round (`round-2-perf.data`), so rounds never share a file.
    public func temporaryPath(_ name: String) -> String {
        session.temporaryPath(count > 1 ? "round-\(index + 1)-\(name)" : name)
    }
}

/// What a capture produced: the rounds (replicates for the gate's statistics) and their merge (what
/// is drawn and, until the store keeps rounds, saved).
public struct CaptureResult: Sendable {
    /// The rounds that captured something, in order (empty rounds are left out).
    public var rounds: [Profile]
    /// All rounds merged.
    public var merged: Profile
    /// How many rounds were asked for (more than `rounds.count` when stopped early or rounds were empty).
    public var roundsRequested: Int
    /// `2,954 samples of pid 42`.
    public var summary: String
    public var metadata: CaptureMetadata
    /// A first Ctrl-C stopped the capture early.
    public var stoppedEarly: Bool
    /// Seconds asked for in all.
    public var duration: Double
}

/// Runs a `ProfileSource` for `settings.duration` seconds in `settings.rounds` rounds, owning what
/// every capture needs: the temporary directory, SIGINT/SIGTERM (first Ctrl-C: stop early and keep
/// what was captured; second Ctrl-C or SIGTERM: abort, `CaptureInterrupted`), deadlines, the
/// progress line, dropping empty rounds and merging.
///
///     let runner = CaptureRunner(CaptureSettings(duration: 30, rounds: 5), reporter: reporter)
///     let result = try runner.run(PySpySource(pid: 42, options: .init()))
///     // result.rounds: 5 profiles; result.merged: their sum
public struct CaptureRunner: Sendable {
    public let settings: CaptureSettings
    public let reporter: any CaptureReporter

    public init(_ settings: CaptureSettings, reporter: any CaptureReporter) {
        self.settings = settings
        self.reporter = reporter
    }

    public func run(_ source: any ProfileSource) throws -> CaptureResult {
        let count = try CaptureRounds.count(
            requested: settings.rounds, duration: settings.duration, strategy: source.roundStrategy)
        let session = try CaptureSession(settings: settings, reporter: reporter)
        defer { session.close() }
        settings.onSession?(session)
        let signals = try settings.handleSignals ? InterruptSignals(session) : nil
        defer { signals?.uninstall() }
        do {
            session.beginRound(0, of: count, kept: 0)
            try source.prepare(session)
            defer { source.finish(session) }
            let captured = try captureRounds(source, count: count, session: session)
            try session.checkAborted()
            session.finishing()
            return try result(source, captured: captured, count: count, session: session)
        } catch {
            reporter.clearProgress()
            if session.aborted {
                session.waitForAbortHandling()
                throw CaptureInterrupted()
            }
            throw error
        }
    }

    private func captureRounds(_ source: any ProfileSource, count: Int, session: CaptureSession) throws
        -> [RoundCapture]
    {
        if source.roundStrategy == .timeSlices {
            session.beginRound(0, of: 1, kept: 0)  // one recording: the progress line shows no round number
            let whole = CaptureRound(index: 0, count: count, duration: settings.duration, session: session)
            return try source.captureSlices(whole, count: count)
        }
        let each = settings.duration / Double(count)
        var captured: [RoundCapture] = []
        for index in 0..<count {
            session.beginRound(index, of: count, kept: captured.count)
            do {
                let round = try source.capture(
                    CaptureRound(index: index, count: count, duration: each, session: session))
                captured.append(round)
                if round.targetEnded || session.stoppedEarly { break }
            } catch is RoundCancelled {
                if captured.isEmpty { throw CaptureInterrupted() }
                break
            } catch let error as FlameGraphError
                where !captured.isEmpty && (error.kind == .unavailable || error.kind == .badInput)
            {
                // Earlier rounds are real data: keep them and say why the rest is missing.
                try session.checkAborted()
                reporter.warning(
                    "round \(index + 1) of \(count) failed (\(error.message)); keeping the \(CaptureText.count(Double(captured.count), "round")) captured"
                )
                break
            }
        }
        return captured
    }

    private func result(_ source: any ProfileSource, captured: [RoundCapture], count: Int, session: CaptureSession)
        throws -> CaptureResult
    {
        let rounds = captured.map(\.profile).filter { $0.totalWeight > 0 }
        guard !rounds.isEmpty else { throw source.nothingCaptured(session) }
        let merged = Profile.merged(rounds)
        // A last round that found the target gone is no news (the source said so); others are.
        let empty = captured.filter { $0.profile.totalWeight == 0 && !$0.targetEnded }.count
        if empty > 0 {
            reporter.warning(
                "\(empty) of \(captured.count) rounds captured nothing and are left out (is the target idle at times?)")
        }
        return CaptureResult(
            rounds: rounds, merged: merged, roundsRequested: count,
            summary: source.summary(of: merged, rounds: rounds), metadata: source.metadata,
            stoppedEarly: session.stoppedEarly, duration: settings.duration)
    }
}
