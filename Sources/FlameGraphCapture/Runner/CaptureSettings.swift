import FlameGraphCore

/// How a `CaptureRunner` runs: how long, in how many rounds, with what environment, and who hears
/// about it.
public struct CaptureSettings: Sendable {
    /// Total seconds to capture; back-to-back rounds get `duration / rounds` each.
    public var duration: Double
    /// `--rounds N`; nil takes `CaptureRounds.defaultCount`, capped so a back-to-back round lasts ≥ 1 s.
    public var rounds: Int?
    /// `KEY=value` entries the profilers run with (the runner removes `secretVariables` from them).
    public var environment: [String]
    /// No progress and no profiled-command output on stderr (errors and notices still go out).
    public var quiet: Bool
    /// Install SIGINT/SIGTERM handlers for the run (the command line does; a library caller that owns
    /// its signals calls `CaptureSession.stop()`/`abort()` itself and sets this to false).
    public var handleSignals: Bool
    /// Called on the signal thread when the run is aborted, after the runner stopped its children and
    /// removed its temporary directory: the caller removes its own half-written files.
    public var onAbort: (@Sendable () -> Void)?
    /// Called with the run's session before anything is captured: a caller that owns its signals
    /// (`handleSignals: false`) keeps it to call `stop()` and `abort()` from another thread.
    public var onSession: (@Sendable (CaptureSession) -> Void)? = nil

    /// Variables a profiler has no business seeing (the services' credentials).
    public static let secretVariables = ["RESQ_API_KEY", "RESQ_TOKEN"]

    public init(
        duration: Double, rounds: Int? = nil, environment: [String] = ProcessEnvironment.current(),
        quiet: Bool = false, handleSignals: Bool = true, onAbort: (@Sendable () -> Void)? = nil
    ) {
        self.duration = duration
        self.rounds = rounds
        self.environment = environment
        self.quiet = quiet
        self.handleSignals = handleSignals
        self.onAbort = onAbort
    }

    /// The environment for profiler processes: `environment` without the secrets.
    public var childEnvironment: [String] {
        ProcessEnvironment.removing(Self.secretVariables, from: environment)
    }

    /// The value of `name` in `environment`.
    public func value(_ name: String) -> String? {
        let prefix = name + "="
        return environment.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
}

/// The rounds of a capture: one constant for the default, and how a request becomes a count.
public enum CaptureRounds {
    /// Rounds when `--rounds` is not given: enough replicates for the gate's noise estimate (issue 11)
    /// without making each round too short to carry samples. The stats calibration may change it.
    public static let defaultCount = 5
    /// The shortest back-to-back round, in seconds (py-spy and the endpoints take whole seconds).
    public static let minimumRoundSeconds = 1.0
    /// The most rounds anyone may ask for.
    public static let maximumCount = 1000

    /// The number of rounds for `requested` (nil: the default) over `duration` seconds.
    /// A default that would make rounds shorter than a second shrinks; an explicit request does not.
    public static func count(requested: Int?, duration: Double, strategy: RoundStrategy) throws -> Int {
        if let requested {
            guard requested >= 1 && requested <= maximumCount else {
                throw FlameGraphError(.usage, "--rounds must be from 1 to \(maximumCount), got \(requested)")
            }
            if strategy == .backToBack && duration / Double(requested) < minimumRoundSeconds {
                throw FlameGraphError(
                    .usage,
                    "--rounds \(requested) with --duration \(NumberFormatting.weight(duration)) leaves rounds shorter than 1 s: use fewer rounds or a longer --duration"
                )
            }
            return requested
        }
        if strategy == .timeSlices { return defaultCount }
        return max(1, min(defaultCount, Int((duration / minimumRoundSeconds).rounded(.down))))
    }
}

/// The listener of a capture: the command line draws the progress line and prints the messages; a
/// library caller or a test may collect them. Called from the capturing thread and, for `notice`,
/// from the signal thread.
public protocol CaptureReporter: Sendable {
    /// Replaces the progress line (`perf: recording pid 42 (round 2/5): 3s/6s — Ctrl-C stops early`).
    func progress(_ line: String)
    /// Erases the progress line.
    func clearProgress()
    /// Says what an interrupt is doing (printed even when quiet: the user pressed a key).
    func notice(_ text: String)
    /// A warning about the capture (quiet callers drop it).
    func warning(_ text: String)
}

/// Thrown when the capture was aborted (a second Ctrl-C, or SIGTERM): exit status 130, nothing kept,
/// no child and no temporary file left behind.
public struct CaptureInterrupted: Error, Sendable {
    public init() {}
}

/// Thrown by a round that a first Ctrl-C cancelled and that cannot keep a partial result (an HTTP
/// request's profile is all or nothing): the runner keeps the earlier rounds, or ends as interrupted.
public struct RoundCancelled: Error, Sendable {
    public init() {}
}
