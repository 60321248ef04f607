/// The gate's three answers, for a frame and for a comparison.
public enum Verdict: String, Sendable, Comparable {
    /// No frame grew past its threshold, or the growth is within what these samples call noise
    /// (for a frame: it did not grow past its threshold).
    case pass
    /// It grew past its threshold, but the samples cannot tell that from noise: more rounds would.
    case inconclusive
    /// It grew past its threshold and significantly, family-wise over the comparison.
    case regression

    public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }
    var rank: Int {
        switch self {
        case .pass: return 0
        case .inconclusive: return 1
        case .regression: return 2
        }
    }
}

/// How much more capture would settle an inconclusive frame: the samples a side at which its observed
/// growth would be detected with 80 % power, as rounds of the size compared and, when the sampling
/// rate is known, seconds.
public struct SettleAdvice: Sendable, Equatable {
    /// Infinity when no capture settles it: the growth is within what two runs of the same code differ
    /// by (the session term κ), so more samples do not help.
    public var samplesPerSide: Double
    public var roundsPerSide: Int
    public var secondsPerSide: Double?
}

/// One function's numbers in a comparison. Shares are fractions of all samples (0…1); deltas are in
/// percentage points.
public struct FrameChange: Sendable {
    public var name: String
    public var selfBefore: Double
    public var selfAfter: Double
    public var totalBefore: Double
    public var totalAfter: Double
    public var selfShareBefore: Double
    public var selfShareAfter: Double
    public var totalShareBefore: Double
    public var totalShareAfter: Double
    /// One-sided p-value for "the gated metric's share grew", under the noise model.
    public var pValue: Double
    /// `pValue` adjusted for the frames tested together (Holm); nil when the frame was not a candidate
    /// (it did not grow past its threshold, or is not gated).
    public var adjustedPValue: Double? = nil
    /// The threshold (percentage points) that applied, nil when the frame is ignored.
    public var threshold: Double?
    /// Why the frame is not gated, if it is not: "ignored by rule …", "fewer than N samples".
    public var skipReason: String?
    /// An acknowledgement in force: the frame is reported but does not fail the gate.
    public var acknowledged: String?
    /// For a regressed caller under the total metric: the regressed callee that accounts for its growth
    /// (within the threshold). Reports group such callers under their root cause.
    public var explainedBy: String? = nil
    public var regressed: Bool
    /// Grew past its threshold without enough evidence either way.
    public var inconclusive = false
    /// The smallest growth (pp) these sample counts detect with 80 % power at the confidence level.
    public var minDetectablePP: Double = 0
    /// For an inconclusive frame: how much capture would settle it.
    public var settle: SettleAdvice? = nil
    /// The share fell significantly (same model, same level) — the differential SVG marks it.
    public var significantDecrease = false

    public var verdict: Verdict { regressed ? .regression : (inconclusive ? .inconclusive : .pass) }
    public var selfDelta: Double { (selfShareAfter - selfShareBefore) * 100 }
    public var totalDelta: Double { (totalShareAfter - totalShareBefore) * 100 }
    public var isNew: Bool { totalBefore == 0 && totalAfter > 0 }
    public var isGone: Bool { totalAfter == 0 && totalBefore > 0 }

    public func delta(_ metric: GateSettings.Metric) -> Double { metric == .total ? totalDelta : selfDelta }
    public func shareBefore(_ metric: GateSettings.Metric) -> Double {
        metric == .total ? totalShareBefore : selfShareBefore
    }
    public func shareAfter(_ metric: GateSettings.Metric) -> Double {
        metric == .total ? totalShareAfter : selfShareAfter
    }
}

/// The outcome of comparing a baseline with a new capture.
public struct DiffResult: Sendable {
    public var frames: [FrameChange]
    public var settings: GateSettings
    /// Weights (in `unit`) of each side, after idle and focus.
    public var totalBefore: Double
    public var totalAfter: Double
    /// The same in samples (what the statistics count).
    public var samplesBefore: Double = 0
    public var samplesAfter: Double = 0
    public var unit: WeightUnit
    /// Rounds (or captures) per side: the replicates the noise model can use.
    public var capturesBefore: Int
    public var capturesAfter: Int
    /// What the baseline was (a file name, or `commit abc1234 (service)`), for every report.
    public var baselineLabel: String
    public var afterLabel: String
    /// The test, in words: model, dispersion and family-wise correction.
    public var test: String
    /// The dispersion the test used and where it came from.
    public var noise = NoiseModel.Estimate(
        measured: nil, degrees: 0, betweenSides: false, prior: 1, priorDegrees: 0, session: 0, replicates: [],
        effective: 1)
    /// Samples per second of the after side, when the profile says (for "seconds to settle").
    public var samplesPerSecond: Double? = nil
    public var warnings: [String] = []

    public var regressions: [FrameChange] {
        frames.filter(\.regressed).sorted { $0.delta(settings.metric) > $1.delta(settings.metric) }
    }
    public var inconclusiveFrames: [FrameChange] {
        frames.filter { $0.inconclusive }.sorted { $0.delta(settings.metric) > $1.delta(settings.metric) }
    }
    public var verdict: Verdict {
        regressions.isEmpty ? (inconclusiveFrames.isEmpty ? .pass : .inconclusive) : .regression
    }
    /// No regression (an inconclusive comparison passes unless `--fail-on-inconclusive`).
    public var passed: Bool { regressions.isEmpty }
    /// Regressions that are not explained by a regressed callee: the root causes, largest first.
    public var rootCauses: [FrameChange] { regressions.filter { $0.explainedBy == nil } }
    /// Unit of weights: are absolute changes meaningful (time or bytes, not samples)?
    public var hasAbsoluteUnit: Bool { unit == .nanoseconds || unit == .microseconds || unit == .bytes }

    /// The capture that would settle the biggest inconclusive growth (smaller ones may stay unsettled:
    /// chasing a +1 pp wiggle would ask for hours of capture).
    public var recommendedCapture: SettleAdvice? {
        inconclusiveFrames.first?.settle.flatMap { $0.samplesPerSide.isFinite ? $0 : nil }
    }
}
