/// How much more per-frame shares vary between captures than independent samples would: the
/// quasi-binomial model Var(share) = φ · p(1 − p) / n, with the dispersion φ ≥ 1.
///
/// Samples of one capture are not independent (a request in flight is sampled several times in a
/// row, the scheduler and neighbours shift whole stretches of time), and two processes of the same
/// code differ a little more than two stretches of one process do. So φ is measured where the
/// comparison's own noise is: between its two sides, across the stacks that did not move
/// (`StackCells`), shrunk towards a calibrated prior φ₀ for the few degrees of freedom one pair gives,
/// plus a between-session term κ that more samples do not shrink.
///
/// Rounds and earlier baselines are measured too (`replicateDispersion`, in every report) but do not
/// set φ: rounds of one process agree more than two processes do (pooling them let a CPU-hog A/A
/// fail 4 % of comparisons), and letting them only raise φ would make more captures less sensitive
/// than one capture with the same samples. Every number is measured by `ci/calibrate` on real
/// captures and published in docs/GATE.md.
public enum NoiseModel {
    public struct Settings: Sendable, Equatable {
        /// φ₀, the prior: what one pair of captures is shrunk towards. Measured by `ci/calibrate`.
        public var defaultDispersion = 1.2
        /// The conservative value when the comparison has fewer than three stacks (nothing to measure
        /// between the sides): shrunk towards by the rounds' own φ if there are rounds, else used as is.
        public var unmeasuredDispersion = 2.0
        /// The prior's weight in degrees of freedom (one pair of captures of a small program gives 5–15).
        public var priorDegrees = 2.0
        /// κ: the share variance between capture sessions (processes, CI jobs) that rounds of one session
        /// do not show, per p(1 − p). It does not shrink with more samples, so it adds
        /// 2κ / (1/N_before + 1/N_after) to φ. Measured by `ci/calibrate` (a CPU-hog neighbour makes it).
        public var sessionVariance = 0.0007
        /// Expected samples a frame or stack needs on the smaller side to enter an estimate on its own:
        /// below that the χ² term is dominated by counting noise.
        public var minExpected = 5.0
        public init() {}
    }

    /// What the comparison uses.
    public struct Estimate: Sendable, Equatable {
        /// φ as measured between the sides (with the prior); nil when the comparison has too few stacks.
        public var measured: Double?
        /// Degrees of freedom behind `measured` (the comparison's stacks plus the prior's).
        public var degrees: Double
        /// Replicate groups that contributed (before rounds, after rounds, history) and their sizes.
        public var replicates: [Int]
        /// φ between the replicates (rounds, earlier baselines), when there are any: for the reports.
        public var replicateDispersion: Double?
        /// The dispersion the test uses: the measured value (never below 1) plus the session term.
        public var effective: Double
        /// True when the conservative default applies alone (nothing measured).
        public var usesDefault: Bool

        public var description: String {
            let eff = NumberFormatting.fixed(effective, decimals: 2)
            guard let measured else { return "default dispersion φ = \(eff) (nothing to measure it on)" }
            let m = NumberFormatting.fixed(measured, decimals: 2)
            let dfText = NumberFormatting.fixed(degrees, decimals: 0)
            var text = "dispersion φ = \(eff) (measured \(m) between the sides on \(dfText) df"
            if let r = replicateDispersion { text += "; \(NumberFormatting.fixed(r, decimals: 2)) between rounds" }
            return text + ", plus the session term)"
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
    /// Returns (χ² sum, df) or nil when no group has two replicates with a usable frame.
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

    /// The dispersion for a test between sides of `nb` and `na` samples: `between` is the Pearson χ²
    /// of the comparison's stacks (`StackCells`), `groups` the replicates.
    public static func estimate(
        between: (chi2: Double, df: Double)?, replicates groups: [[Replicate]], settings: Settings,
        nb: Double, na: Double
    ) -> Estimate {
        let sizes = groups.filter { $0.count >= 2 }.map(\.count)
        let phi0 = settings.defaultDispersion
        let session = nb > 0 && na > 0 ? 2 * settings.sessionVariance / (1 / nb + 1 / na) : 0
        let replicate = pearson(groups, settings: settings).map { $0.chi2 / $0.df }
        let prior = settings.priorDegrees
        guard let between else {
            // Nothing between the sides: rounds (one process) are all there is, shrunk towards the
            // conservative value; without them that value alone, and the report says so.
            let rounds = pearson(groups, settings: settings)
            let fallback = settings.unmeasuredDispersion
            let phi = rounds.map { (prior * fallback + $0.chi2) / (prior + $0.df) } ?? fallback
            return Estimate(
                measured: rounds == nil ? nil : phi, degrees: prior + (rounds?.df ?? 0), replicates: sizes,
                replicateDispersion: replicate, effective: max(1, phi) + session, usesDefault: rounds == nil)
        }
        let degrees = prior + between.df
        let measured = (prior * phi0 + between.chi2) / degrees
        return Estimate(
            measured: measured, degrees: degrees, replicates: sizes, replicateDispersion: replicate,
            effective: max(1, measured) + session, usesDefault: false)
    }
}
