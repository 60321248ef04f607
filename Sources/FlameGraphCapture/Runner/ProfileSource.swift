import FlameGraphCore

/// One way to obtain a profile: `perf record`, `py-spy`, off-CPU tracing, a pprof or `.cpuprofile`
/// endpoint, the Chrome DevTools inspector, and whatever comes next (WebKit inspector, .NET, memory
/// producers). A source captures one round of `round.duration` seconds; `CaptureRunner` calls it once
/// per round and owns everything around it (rounds, deadlines, Ctrl-C, progress, temporary files).
///
/// Sources report through the session (`round.session.warn`, `.progress`) and throw `FlameGraphError`s;
/// they never print, exit or install signal handlers. A source that keeps state between rounds (an open
/// connection) is a class; every requirement but `capture` has a default.
public protocol ProfileSource {
    /// What is captured, for the summary line and a saved baseline's metadata.
    var metadata: CaptureMetadata { get }

    /// How `--rounds N` splits the capture (default `.backToBack`).
    var roundStrategy: RoundStrategy { get }

    /// Checks and set-up before the first round: the target exists, the profiler is installed, a
    /// connection is open. Throwing here ends the capture before anything ran. Default: nothing.
    func prepare(_ session: CaptureSession) throws

    /// Captures one round of `round.duration` seconds (less when Ctrl-C stops it early). An empty
    /// profile is allowed: the runner drops empty rounds and calls `nothingCaptured` when all are.
    func capture(_ round: CaptureRound) throws -> RoundCapture

    /// `.timeSlices` sources only: one recording of `recording.duration` seconds, cut by timestamp
    /// into `count` equal windows (fewer when the recording ended early). Default: an internal error.
    func captureSlices(_ recording: CaptureRound, count: Int) throws -> [RoundCapture]

    /// After the last round, also after a failure: release what `prepare` opened. Default: nothing.
    func finish(_ session: CaptureSession)

    /// The error when no round captured anything (exit 65 by convention), saying why there may be none.
    func nothingCaptured(_ session: CaptureSession) -> FlameGraphError

    /// The summary line's text for what was captured (`2,954 samples of pid 42`).
    func summary(of merged: Profile, rounds: [Profile]) -> String
}

/// How `--rounds N` turns one capture into replicates.
public enum RoundStrategy: Sendable, Equatable {
    /// N captures back to back, each of duration/N (every source can do this).
    case backToBack
    /// One recording of the whole duration, sliced by timestamp into N equal windows (`perf record` of
    /// a command or an existing perf.data: the command runs once).
    case timeSlices
}

/// What a source says about its captures: for the summary, a saved baseline and the reports.
public struct CaptureMetadata: Sendable, Equatable {
    /// `of pid 42`, `from http://host:6060/debug/pprof/profile`: ends the summary line.
    public var subject: String
    /// Samples per second, when the source knows it.
    public var samplingRate: Double?
    /// The profiler's command line or request, with every secret left out (never a key or token).
    public var captureCommand: String?
    /// The palette that suits what is drawn (`.js` for V8, `.io` for off-CPU, `.mem` for bytes).
    public var defaultPalette: Palette

    public init(
        subject: String, samplingRate: Double? = nil, captureCommand: String? = nil, defaultPalette: Palette = .hot
    ) {
        self.subject = subject
        self.samplingRate = samplingRate
        self.captureCommand = captureCommand
        self.defaultPalette = defaultPalette
    }
}

/// One round's result.
public struct RoundCapture: Sendable {
    public var profile: Profile
    /// The target is gone (the process exited, the command ended): the runner takes no further round.
    public var targetEnded: Bool

    public init(profile: Profile, targetEnded: Bool = false) {
        self.profile = profile
        self.targetEnded = targetEnded
    }
}

extension ProfileSource {
    public var roundStrategy: RoundStrategy { .backToBack }

    public func prepare(_ session: CaptureSession) throws {}

    public func captureSlices(_ recording: CaptureRound, count: Int) throws -> [RoundCapture] {
        throw FlameGraphError(.internal, "this source cannot slice a recording by time")
    }

    public func finish(_ session: CaptureSession) {}

    public func nothingCaptured(_ session: CaptureSession) -> FlameGraphError {
        let why = session.stoppedEarly ? ": stopped by Ctrl-C before any sample was taken" : ""
        return FlameGraphError(.badInput, "no samples: nothing was captured \(metadata.subject)\(why)")
    }

    public func summary(of merged: Profile, rounds: [Profile]) -> String {
        CaptureText.amount(merged) + " " + metadata.subject
    }
}

/// Small wording helpers for sources' messages.
public enum CaptureText {
    /// `1 sample`, `2,954 samples`.
    public static func count(_ n: Double, _ noun: String) -> String {
        "\(NumberFormatting.grouped(n)) \(noun)\(n == 1 ? "" : "s")"
    }

    /// A profile's total in its unit: `2,954 samples`, `12,345,678 bytes`.
    public static func amount(_ profile: Profile) -> String {
        let total = profile.totalWeight
        return profile.unit.countName == "samples"
            ? count(total, "sample") : "\(NumberFormatting.grouped(total)) \(profile.unit.countName)"
    }

    /// `75s/120s`-style elapsed time (whole seconds; the total rounded up).
    public static func seconds(_ elapsed: Double, of total: Double?) -> String {
        let e = Int(elapsed.rounded(.down))
        return total.map { "\(e)s/\(Int($0.rounded(.up)))s" } ?? "\(e)s"
    }
}
