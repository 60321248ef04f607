import FlameGraphCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The state a capture's rounds share: a private temporary directory, the profiler process or HTTP
/// request in flight, the Ctrl-C policy, and the progress line. `CaptureRunner` makes one per run;
/// sources use it (through `CaptureRound.session`) to run children and requests.
///
/// `stop()` (a first Ctrl-C) stops the recording early and the run goes on with what was captured;
/// `abort()` (a second Ctrl-C, or SIGTERM) terminates the child's process group, cancels the request,
/// removes the temporary directory, and the run throws `CaptureInterrupted`. Both may be called from
/// any thread. Children are always reaped and the directory is removed on every path.
public final class CaptureSession: Sendable {
    enum Phase: Sendable { case preparing, recording, processing, finishing }

    private struct State {
        var phase = Phase.preparing
        var current: ChildProcess? = nil
        var stopRequested = false
        /// When the first Ctrl-C came (for a gated child's grace).
        var stopRequestedAt: Double? = nil
        /// The current child takes SIGINT only once it is ready (see `record`'s `ready`).
        var gated = false
        var aborted = false
        /// `abort()` has finished its clean-up (the run waits for it before it throws).
        var abortHandled = false
        var targetExited = false
        var round = 0
        var rounds = 1
        var roundsKept = 0
        var cancelRequest: (@Sendable () -> Void)? = nil
    }

    public let settings: CaptureSettings
    public let reporter: any CaptureReporter
    /// The private temporary directory (mode 0700) of this run.
    public let directory: String
    private let state = Mutex(State())
    private let warned = Mutex(Set<String>())

    init(settings: CaptureSettings, reporter: any CaptureReporter) throws {
        self.settings = settings
        self.reporter = reporter
        directory = try TemporaryDirectory.make(prefix: "flame-graph", base: settings.value("TMPDIR"))
    }

    // MARK: - Children

    /// Runs a profiler's recording: SIGINT at `deadline` seconds (or on a first Ctrl-C), the progress
    /// line against `duration`, and — when `watch` is given — an early stop when that pid exits.
    ///
    /// `ready`, when given, says whether the profiler can take a SIGINT and still write what it has
    /// (py-spy, once it has attached and says it is sampling): a first Ctrl-C before then waits for it
    /// (at most `readyGrace` seconds), instead of killing a profiler that has nothing to write yet.
    public func record(
        _ spec: ProcessSpec, label: String, duration: Double, deadline: Double? = nil, watch: Int32? = nil,
        ready: (() -> Bool)? = nil, onStdout: (UnsafeRawBufferPointer) throws -> Void = { _ in },
        detail: () -> String? = { nil }
    ) throws -> ChildOutcome {
        var forwarded = false
        return try runChild(
            spec, phase: .recording, deadline: deadline ?? duration, gated: ready != nil, onStdout: onStdout
        ) { child, elapsed in
            if let ready, !forwarded, let since = self.state.withLock({ $0.stopRequestedAt }),
                ready() || Monotonic.now() - since > Self.readyGrace
            {
                forwarded = true
                child.interrupt()
            }
            if let watch, ProcFS.presence(of: watch) != .alive {
                let first = self.state.withLock { s in
                    defer { s.targetExited = true }
                    return !s.targetExited
                }
                if first { child.interrupt() }
            }
            let extra = detail().map { ", \($0)" } ?? ""
            self.reporter.progress(
                "\(self.roundLabel(label)): \(CaptureText.seconds(elapsed, of: duration))\(extra) — Ctrl-C stops early")
        }
    }

    /// Runs a step that reads what was recorded (`perf script`), streaming its output to `onStdout`.
    public func process(
        _ spec: ProcessSpec, label: String, onStdout: (UnsafeRawBufferPointer) throws -> Void,
        detail: () -> String? = { nil }
    ) throws -> ChildOutcome {
        try runChild(spec, phase: .processing, deadline: nil, gated: false, onStdout: onStdout) { _, elapsed in
            let extra = detail().map { ": \($0)" } ?? ""
            self.reporter.progress("\(label)\(extra) (\(CaptureText.seconds(elapsed, of: nil)))")
        }
    }

    /// Seconds a gated child may take to become ready after a first Ctrl-C before it gets SIGINT anyway.
    static let readyGrace = 5.0

    private func runChild(
        _ spec: ProcessSpec, phase: Phase, deadline: Double?, gated: Bool,
        onStdout: (UnsafeRawBufferPointer) throws -> Void, onTick: (ChildProcess, Double) -> Void
    ) throws -> ChildOutcome {
        try checkAborted()
        let child = try ChildProcess(spec)
        let stopNow = state.withLock { s in
            s.phase = phase
            s.current = child
            s.gated = gated
            return s.stopRequested && phase == .recording && !gated
        }
        if stopNow { child.interrupt() }
        defer {
            state.withLock { s in
                s.current = nil
                s.gated = false
                s.phase = .processing
            }
            reporter.clearProgress()
        }
        let outcome = try child.wait(deadline: deadline, onTick: { onTick(child, $0) }, onStdout: onStdout)
        try checkAborted()
        return outcome
    }

    // MARK: - HTTP and waiting

    /// Runs a profile endpoint's request with the progress line against `duration`. A first Ctrl-C
    /// cancels it and throws `RoundCancelled` (an endpoint's profile is all or nothing); an abort
    /// throws `CaptureInterrupted`. Never returns `.cancelled`.
    public func fetch(_ request: ProfileFetch, label: String, duration: Double) throws -> ProfileFetch.Outcome {
        try checkAborted()
        if stoppedEarly { throw RoundCancelled() }
        state.withLock { s in
            s.phase = .recording
            s.cancelRequest = { request.cancel() }
        }
        defer {
            state.withLock { s in
                s.cancelRequest = nil
                s.phase = .processing
            }
            reporter.clearProgress()
        }
        let started = Monotonic.now()
        request.start()
        while true {
            if let outcome = request.wait(0.25) {
                try checkAborted()
                if case .cancelled = outcome { throw RoundCancelled() }
                return outcome
            }
            try checkAborted()
            reporter.progress(
                "\(roundLabel(label)): \(CaptureText.seconds(Monotonic.now() - started, of: duration)) — Ctrl-C cancels"
            )
        }
    }

    /// The recording phase of a source that records in-process (an inspector profiling): waits up to
    /// `duration` seconds with the progress line; returns early on a first Ctrl-C, throws on an abort.
    public func waitWhileRecording(_ duration: Double, label: String) throws {
        recording {
            let started = Monotonic.now()
            while !stoppedEarly && !aborted {
                let elapsed = Monotonic.now() - started
                if elapsed >= duration { break }
                reporter.progress(
                    "\(roundLabel(label)): \(CaptureText.seconds(elapsed, of: duration)) — Ctrl-C stops early")
                usleep(UInt32(min(100_000, max(1_000, (duration - elapsed) * 1_000_000))))
            }
        }
        reporter.clearProgress()
        try checkAborted()
    }

    /// Runs `body` as the recording phase: a first Ctrl-C then sets `stoppedEarly`, a second aborts.
    public func recording<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { $0.phase = .recording }
        defer { state.withLock { $0.phase = .processing } }
        return try body()
    }

    // MARK: - Interrupts

    /// A first Ctrl-C: stop the recording in progress and keep what was captured; no further round.
    public func stop() {
        let (phase, child, cancel) = state.withLock { s -> (Phase, ChildProcess?, (@Sendable () -> Void)?) in
            if s.phase == .preparing || s.phase == .recording {
                s.stopRequested = true
                if s.stopRequestedAt == nil { s.stopRequestedAt = Monotonic.now() }
            }
            let cancel = s.cancelRequest
            if cancel != nil {
                s.cancelRequest = nil
                if s.roundsKept == 0 {
                    // All or nothing and nothing yet: the run ends as interrupted, cleaned up as usual.
                    s.aborted = true
                    s.abortHandled = true
                }
            }
            return (s.phase, s.gated ? nil : s.current, cancel)
        }
        if let cancel {
            cancel()
            let kept = state.withLock { $0.roundsKept }
            reporter.notice(
                kept == 0
                    ? "interrupted: cancelling the request (nothing to draw)"
                    : "stopping early: cancelling this round's request and keeping \(CaptureText.count(Double(kept), "round")) (Ctrl-C again to abort)"
            )
        } else if phase == .preparing || phase == .recording {
            child?.interrupt()
            reporter.notice("stopping early: drawing what was captured (Ctrl-C again to abort)")
        } else {
            reporter.notice("finishing what was captured (Ctrl-C again to abort)")
        }
    }

    /// A second Ctrl-C or SIGTERM: terminate the profiler, cancel the request, remove the temporary
    /// directory; the run then throws `CaptureInterrupted`.
    public func abort() {
        let (child, cancel) = state.withLock { s -> (ChildProcess?, (@Sendable () -> Void)?) in
            s.aborted = true
            defer { s.cancelRequest = nil }
            return (s.current, s.cancelRequest)
        }
        child?.abort()
        cancel?()
        TemporaryDirectory.remove(directory)
        reporter.notice("interrupted: stopping the profiler and removing temporary files")
        settings.onAbort?()
        state.withLock { $0.abortHandled = true }
    }

    /// Waits (at most `seconds`) for `abort()`'s clean-up on the signal thread, so that `run` throws
    /// only once no temporary file is left.
    func waitForAbortHandling(_ seconds: Double = 3) {
        let until = Monotonic.now() + seconds
        while !state.withLock({ $0.abortHandled }) && Monotonic.now() < until { usleep(5_000) }
    }

    /// The run was aborted.
    public var aborted: Bool { state.withLock { $0.aborted } }
    /// A first Ctrl-C asked to stop the recording early.
    public var stoppedEarly: Bool { state.withLock { $0.stopRequested } }
    /// Seconds since the first Ctrl-C, nil before it: a peer that does not answer after a stop gets a
    /// short grace (`stopGrace`), never its usual timeout.
    public var secondsSinceStop: Double? { state.withLock { $0.stopRequestedAt.map { Monotonic.now() - $0 } } }
    /// How long a source waits for a silent peer after a first Ctrl-C.
    public static let stopGrace = 2.0
    /// The pid watched by `record` exited during a recording.
    public var targetExited: Bool { state.withLock { $0.targetExited } }

    /// Throws `CaptureInterrupted` once the run is aborted.
    public func checkAborted() throws {
        if aborted { throw CaptureInterrupted() }
    }

    // MARK: - Rounds, files, messages

    func beginRound(_ index: Int, of count: Int, kept: Int) {
        state.withLock { s in
            s.round = index
            s.rounds = count
            s.roundsKept = kept
            if s.phase != .preparing { s.phase = .processing }
        }
    }

    func finishing() { state.withLock { $0.phase = .finishing } }

    /// `label (round 2/5)` when there are several rounds.
    func roundLabel(_ label: String) -> String {
        let (round, rounds) = state.withLock { ($0.round, $0.rounds) }
        return rounds > 1 ? "\(label) (round \(round + 1)/\(rounds))" : label
    }

    /// A path inside the run's private temporary directory.
    public func temporaryPath(_ name: String) -> String { directory + "/" + name }

    /// A warning about the capture, said once however many rounds repeat it.
    public func warn(_ text: String) {
        let first = warned.withLock { $0.insert(text).inserted }
        if first { reporter.warning(text) }
    }

    /// The environment for profiler processes (secrets removed).
    public var childEnvironment: [String] { settings.childEnvironment }

    func close() {
        reporter.clearProgress()
        TemporaryDirectory.remove(directory)
    }
}
