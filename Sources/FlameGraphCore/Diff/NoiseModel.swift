/// How much more per-frame shares vary between captures than independent samples would: the
/// quasi-binomial model Var(share) = φ · p(1 − p) / n, with the dispersion φ ≥ 1.
///
/// Samples of one capture are not independent (a request in flight is sampled several times in a
/// row, the scheduler and neighbours shift whole stretches of time), so a plain binomial test
/// (φ = 1) gives p-values far too small. φ is measured from replicates — rounds or captures on each
/// side, and earlier baselines of the same service — pooled over frames (a Pearson χ² over every
/// frame with enough samples), so three rounds already give a usable value. Without a replicate the
/// calibrated default φ₀ applies. The numbers are justified by measurement in docs/GATE.md.
public enum NoiseModel {
    public struct Settings: Sendable, Equatable {
        /// φ₀, used when there is no replicate at all (measured by `ci/calibrate`).
        public var defaultDispersion = 9.0
        /// Effective independent frames in the pooled χ²: frames share samples (parents and children
        /// move together), so it has fewer degrees of freedom than terms. Measured by `ci/calibrate`
        /// from the spread of φ̂ between replicate sets (Var φ̂ = 2φ²/df).
        public var effectiveFrames = 2.0
        /// κ: the share variance between capture sessions (processes, CI jobs) that rounds of one session
        /// do not show, per p(1 − p). It does not shrink with more samples, so it adds
        /// 2κ / (1/N_before + 1/N_after) to a dispersion measured from rounds. Measured by `ci/calibrate`.
        public var sessionVariance = 0.001
        /// Expected samples a frame needs in the smallest replicate (both in and out of it) to enter the
        /// estimate: below that the χ² term is dominated by counting noise.
        public var minExpected = 5.0
        public init() {}
    }

    /// What the comparison uses.
    public struct Estimate: Sendable, Equatable {
        /// φ as measured (the pooled χ² / df), nil without replicates.
        public var measured: Double?
        /// Degrees of freedom behind `measured` (effective, after `framesPerDegree`).
        public var degrees: Double
        /// Replicate groups that contributed (before rounds, after rounds, history) and their sizes.
        public var replicates: [Int]
        /// The dispersion the test uses: the measured value widened for its estimation uncertainty at the
        /// test level plus the session component, never below 1, never above φ₀ (more captures never make the gate less sensitive
        /// than one capture with the same total samples).
        public var effective: Double
        /// True when φ₀ applies (no replicate, or the measured value widened by its uncertainty is
        /// above φ₀).
        public var usesDefault: Bool

        public var description: String {
            let eff = NumberFormatting.fixed(effective, decimals: 2)
            guard let measured else { return "default dispersion φ₀ = \(eff) (no replicates)" }
            let m = NumberFormatting.fixed(measured, decimals: 2)
            let dfText = NumberFormatting.fixed(degrees, decimals: 0)
            return usesDefault
                ? "dispersion φ₀ = \(eff) (measured φ = \(m) on \(dfText) df is not tighter)"
                : "dispersion φ = \(eff) (measured \(m) on \(dfText) df, widened for its uncertainty)"
        }
    }

    /// Per-frame counts of one replicate: metric weight per frame name and the total, in samples.
    public struct Replicate: Sendable {
        public var counts: [String: Double]
        public var total: Double
        public init(counts: [String: Double], total: Double) {
            self.counts = counts
            self.total = total
        }
    }

    /// Pooled Pearson estimate over groups of replicates (each group: captures of the same code).
    /// Returns (χ² sum, raw df) or nil when no group has two replicates with a usable frame.
    public static func pearson(_ groups: [[Replicate]], settings: Settings) -> (chi2: Double, df: Double)? {
        var chi2 = 0.0, df = 0.0
        for group in groups where group.count >= 2 {
            let n = group.reduce(0) { $0 + $1.total }
            guard let smallest = group.map(\.total).min(), smallest > 0, n > 0 else { continue }
            var names = Set<String>()
            for r in group { names.formUnion(r.counts.keys) }
            for name in names.sorted() {  // a fixed order: the same inputs give the same bits
                let k = group.reduce(0) { $0 + ($1.counts[name] ?? 0) }
                let p = k / n
                guard smallest * p >= settings.minExpected, smallest * (1 - p) >= settings.minExpected else {
                    continue
                }
                for r in group {
                    let expected = r.total * p
                    let diff = (r.counts[name] ?? 0) - expected
                    chi2 += diff * diff / (expected * (1 - p))
                }
                df += Double(group.count - 1)
            }
        }
        return df > 0 ? (chi2, df) : nil
    }

    /// The dispersion for a one-sided test at level `alpha` between sides of `nb` and `na` samples.
    public static func estimate(
        _ groups: [[Replicate]], alpha: Double, settings: Settings, nb: Double, na: Double
    ) -> Estimate {
        let sizes = groups.filter { $0.count >= 2 }.map(\.count)
        let phi0 = settings.defaultDispersion
        guard let (chi2, rawDF) = pearson(groups, settings: settings) else {
            return Estimate(measured: nil, degrees: 0, replicates: sizes, effective: phi0, usesDefault: true)
        }
        let measured = chi2 / rawDF
        // Degrees of freedom: one per replicate beyond the first in each group, times the effective
        // number of independent frames — capped by the raw count.
        let replicateDF = Double(sizes.reduce(0) { $0 + $1 - 1 })
        let frames = rawDF / max(replicateDF, 1)
        let degrees = max(1, replicateDF * min(frames, settings.effectiveFrames))
        // Test with Student's t on `degrees` df ⇔ a z-test whose dispersion is widened by (t/z)².
        let z = Statistics.normalQuantile(1 - alpha)
        let t = Statistics.studentQuantile(1 - alpha, df: degrees)
        let session = nb > 0 && na > 0 ? 2 * settings.sessionVariance / (1 / nb + 1 / na) : 0
        let widened = max(1, measured) * (t / z) * (t / z) + session
        return Estimate(
            measured: measured, degrees: degrees, replicates: sizes, effective: min(widened, phi0),
            usesDefault: widened >= phi0)
    }
}
