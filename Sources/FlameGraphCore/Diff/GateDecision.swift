/// The per-frame test and the family-wise decision, shared by every report and the differential SVG.
///
/// Per frame: the one-sided quasi-binomial z-test on the pooled shares of each side,
/// z = Δ / √(φ · p̄(1 − p̄) · (1/N_before + 1/N_after)), with φ from `NoiseModel`.
///
/// Per comparison: only frames whose growth exceeds their threshold are candidates. A caller whose
/// growth is its callee's (a candidate below it on a stack, and the caller grew by at most the
/// threshold more) is the same finding twice: Holm's step-down runs over the root causes only, and such
/// a caller is tested at the family's Bonferroni level. That keeps the chance of any false regression
/// in the comparison at about 1 − confidence (measured: docs/GATE.md) without charging a regression
/// once per caller. A candidate that is not significant is inconclusive when its own one-sided p-value
/// is under `GateSettings.inconclusiveLevel`: suggestive, but not enough.
public enum GateDecision {
    /// Power for the minimum detectable change and the settle advice.
    public static let power = 0.8

    /// The one-sided p-value that the share grew from kb/nb to ka/na (samples), with dispersion `phi`.
    public static func increasePValue(kb: Double, nb: Double, ka: Double, na: Double, phi: Double) -> Double {
        guard nb > 0, na > 0 else { return 1 }
        let pooled = (kb + ka) / (nb + na)
        let variance = phi * pooled * (1 - pooled) * (1 / nb + 1 / na)
        let d = ka / na - kb / nb
        guard variance > 0 else { return d > 0 ? 0 : 1 }
        return Statistics.normalUpperTail(d / variance.squareRoot())
    }

    /// The smallest growth (pp) from share `p` detected with `power` at level `alpha`.
    public static func minDetectable(p: Double, nb: Double, na: Double, phi: Double, alpha: Double) -> Double {
        guard nb > 0, na > 0 else { return 100 }
        let q = min(max(p, 0.5 / (nb + na)), 1 - 0.5 / (nb + na))
        let z = Statistics.normalQuantile(1 - alpha) + Statistics.normalQuantile(power)
        return min(100, z * (phi * q * (1 - q) * (1 / nb + 1 / na)).squareRoot() * 100)
    }

    /// Samples a side at which a true growth of `deltaPP` from share `p` is detected with `power`, for a
    /// dispersion `phi` (without the session term) and the session variance `kappa`, which more samples
    /// do not shrink: infinity when the growth is within what two sessions differ by anyway.
    public static func samplesToDetect(
        deltaPP: Double, p: Double, phi: Double, kappa: Double = 0, alpha: Double
    ) -> Double {
        let d = max(deltaPP, 1e-6) / 100
        let z = Statistics.normalQuantile(1 - alpha) + Statistics.normalQuantile(power)
        let q = min(max(p + d / 2, 1e-6), 1 - 1e-6)
        // Need d ≥ z·√(q(1−q)·(2φ/n + 2κ)).
        let room = (d / z) * (d / z) / (q * (1 - q)) - 2 * kappa
        return room > 0 ? 2 * phi / room : .infinity
    }

    /// Whether a callee that grew `callee` pp can account for its caller's growth of `caller` pp: it
    /// grew about as much (within the threshold) or at least half as much — the rest of the caller is
    /// then tested on its own (`DiffEngine.explainCallers`). A shared helper at +1 pp under a function
    /// at +30 pp is not the cause (the function calls it more); a callee at +9 pp under a caller at
    /// +11 pp is (the caller's other callees moved by noise: a fixed 1 pp margin let that noise name
    /// the caller first in 8–30 % of +9 pp comparisons with 5 rounds, docs/GATE.md).
    static func calleeAccountsFor(caller: Double, callee: Double, threshold: Double) -> Bool {
        callee >= min(caller - threshold, caller / 2)
    }

    /// Holm's step-down on `candidates` (indices into `pValues`): adjusted p-values, monotone.
    public static func holm(_ pValues: [Double], candidates: [Int]) -> [Int: Double] {
        let order = candidates.sorted { pValues[$0] != pValues[$1] ? pValues[$0] < pValues[$1] : $0 < $1 }
        var adjusted: [Int: Double] = [:]
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(order.count - rank) * pValues[i]))
            adjusted[i] = running
        }
        return adjusted
    }

    /// Marks regressions and inconclusive frames in `frames` (in place). `counts` gives each frame's
    /// metric samples (before, after); `nb`/`na` the sides' samples; `noise` the dispersion the test uses
    /// and the session term it holds; `perRound` the samples of one round (for advice); `samplesPerSecond`
    /// when known.
    static func decide(
        _ frames: inout [FrameChange], counts: [(Double, Double)], nb: Double, na: Double,
        noise: NoiseModel.Estimate, settings: GateSettings, today: String, perRound: Double,
        samplesPerSecond: Double?, callees: (Set<String>) -> [String: Set<String>] = { _ in [:] }
    ) {
        let phi = noise.effective
        let alpha = 1 - settings.confidence
        let metric = settings.metric
        var pValues = [Double](repeating: 1, count: frames.count)
        var candidates: [Int] = []
        for i in frames.indices {
            let (kb, ka) = counts[i]
            pValues[i] = increasePValue(kb: kb, nb: nb, ka: ka, na: na, phi: phi)
            frames[i].pValue = pValues[i]
            frames[i].significantDecrease = increasePValue(kb: ka, nb: na, ka: kb, na: nb, phi: phi) < alpha
            frames[i].minDetectablePP = minDetectable(
                p: frames[i].shareBefore(metric), nb: nb, na: na, phi: phi, alpha: alpha)
            if frames[i].skipReason == nil, let threshold = frames[i].threshold, frames[i].delta(metric) > threshold {
                candidates.append(i)
            }
        }
        let (adjusted, family) =
            settings.familyWise
            ? families(frames, candidates, pValues, settings, callees)
            : (Dictionary(uniqueKeysWithValues: candidates.map { ($0, pValues[$0]) }), 1)
        for (i, p) in adjusted {
            frames[i].adjustedPValue = p
            let significant = p < alpha
            if significant, let ack = settings.acknowledgement(for: frames[i].name, today: today) {
                frames[i].acknowledged = ack.reason + (ack.expires.map { " (until \($0))" } ?? "")
            } else if significant {
                frames[i].regressed = true
            } else if pValues[i] < settings.inconclusiveLevel || settings.inconclusiveLevel >= 1 {
                frames[i].inconclusive = true
                // φ holds the session term at these sample counts (it is in the prior); what more
                // samples shrink is the rest.
                let n = samplesToDetect(
                    deltaPP: frames[i].delta(metric), p: frames[i].shareBefore(metric),
                    phi: max(1, phi - noise.session), kappa: settings.noise.sessionVariance,
                    alpha: alpha / Double(family))
                let rounds = perRound > 0 && n.isFinite ? Int(min((n / perRound).rounded(.up), 1e9)) : 0
                frames[i].settle = SettleAdvice(
                    samplesPerSide: n, roundsPerSide: n.isFinite ? max(rounds, 1) : 0,
                    secondsPerSide: samplesPerSecond.map { n / $0 })
            }
        }
    }

    /// Holm-adjusted p-values over the root causes among `candidates` (and their number); a caller
    /// explained by a candidate callee gets the family's Bonferroni level.
    static func families(
        _ frames: [FrameChange], _ candidates: [Int], _ pValues: [Double], _ settings: GateSettings,
        _ callees: (Set<String>) -> [String: Set<String>]
    ) -> (adjusted: [Int: Double], family: Int) {
        let metric = settings.metric
        var byName: [String: Int] = [:]
        for i in candidates { byName[frames[i].name] = i }
        let below = candidates.count > 1 ? callees(Set(byName.keys)) : [:]
        var explained = Set<Int>()
        for i in candidates {
            let name = frames[i].name
            for callee in below[name] ?? [] {
                guard let j = byName[callee], !(below[callee]?.contains(name) ?? false) else { continue }
                if calleeAccountsFor(
                    caller: frames[i].delta(metric), callee: frames[j].delta(metric),
                    threshold: frames[i].threshold ?? settings.threshold)
                {
                    explained.insert(i)
                    break
                }
            }
        }
        let roots = candidates.filter { !explained.contains($0) }
        var adjusted = holm(pValues, candidates: roots)
        let m = max(roots.count, 1)
        for i in explained { adjusted[i] = min(1, Double(m) * pValues[i]) }
        return (adjusted, m)
    }
}
