/// How much more per-frame shares vary between captures than independent samples would: the
/// quasi-binomial model Var(share) = φ · p(1 − p) / n, with the dispersion φ ≥ 1.
///
/// Samples of one capture are not independent (a request in flight is sampled several times in a
/// row, the scheduler and neighbours shift whole stretches of time), and two processes of the same
/// code differ a little more than two stretches of one process do. So φ is measured where the
/// comparison's own noise is: between its two sides, across the stacks that did not move
/// (`StackCells`), shrunk for the few degrees of freedom one pair gives towards a calibrated prior:
/// φ₀ plus a between-session term κ that more samples do not shrink.
///
/// Rounds and earlier baselines are measured too (`replicateDispersion`, in every report) but do not
/// set φ: rounds of one process agree more than two processes do (pooling them let a CPU-hog A/A
/// fail 4 % of comparisons), and letting them only raise φ would make more captures less sensitive
/// than one capture with the same samples. Every number is measured by `ci/calibrate` on real
/// captures and published in docs/GATE.md.
public enum NoiseModel {
    public struct Settings: Sendable, Equatable {
        /// φ₀, the prior: what one pair of captures is shrunk towards. Measured by `ci/calibrate`.
        public var defaultDispersion = 1.6
        /// The conservative value when the comparison has fewer than three stacks (nothing to measure
        /// between the sides): shrunk towards by the rounds' own φ if there are rounds, else used as is.
        public var unmeasuredDispersion = 2.0
        /// The prior's weight in degrees of freedom. One pair of captures of a small program gives 2–6
        /// (cells weighted by share, `StackCells`), too few to trust alone.
        public var priorDegrees = 8.0
        /// κ: the share variance between capture sessions (processes, CI jobs) that rounds of one session
        /// do not show, per p(1 − p). It does not shrink with more samples: the prior for a comparison
        /// is φ₀ + 2κ / (1/N_before + 1/N_after). Measured by `ci/calibrate` (a CPU-hog neighbour makes it).
        public var sessionVariance = 0.001
        /// Expected samples a frame or stack needs on the smaller side to enter an estimate on its own:
        /// below that the χ² term is dominated by counting noise.
        public var minExpected = 5.0
        public init() {}
    }

    /// What the comparison uses.
    public struct Estimate: Sendable, Equatable {
        /// φ as measured: between the sides (share-weighted stack cells), or — when the comparison has
        /// too few stacks — between its rounds; nil when there is nothing to measure.
        public var measured: Double?
        /// Degrees of freedom behind `measured` (0 when nothing was measured).
        public var degrees: Double
        /// Whether `measured` is between the sides (else between rounds, or nothing).
        public var betweenSides: Bool
        /// What the measurement is shrunk towards: φ₀ plus the session term between the sides; the
        /// conservative value when it can only be measured between rounds or not at all.
        public var prior: Double
        /// The prior's weight in degrees of freedom.
        public var priorDegrees: Double
        /// The session term at these sample counts, 2κ / (1/N_before + 1/N_after).
        public var session: Double
        /// Replicate groups that contributed (before rounds, after rounds, history) and their sizes.
        public var replicates: [Int]
        /// φ between the replicates (rounds, earlier baselines), when there are any: for the reports.
        public var replicateDispersion: Double?
        /// The dispersion the test uses, never below 1.
        public var effective: Double
        /// True when the conservative default applies alone (nothing measured).
        public var usesDefault: Bool { measured == nil }

        public var description: String {
            func f(_ x: Double) -> String { NumberFormatting.fixed(x, decimals: 2) }
            let eff = f(effective)
            let rounds = replicateDispersion.map { "; \(f($0)) between rounds" } ?? ""
            guard let measured else {
                return
                    "default dispersion φ = \(eff) (the conservative \(f(prior)) plus the session term \(f(session)): nothing to measure it on)"
            }
            let df = NumberFormatting.fixed(degrees, decimals: 0)
            let weight = NumberFormatting.fixed(priorDegrees, decimals: 0)
            guard betweenSides else {
                return
                    "dispersion φ = \(eff) (too few stacks to compare the sides: \(f(measured)) between rounds on \(df) df, shrunk towards the conservative \(f(prior)) on \(weight) df, plus the session term \(f(session)))"
            }
            return
                "dispersion φ = \(eff) (\(f(measured)) between the sides on \(df) df, shrunk towards φ₀ + session term = \(f(prior - session)) + \(f(session)) on \(weight) df\(rounds))"
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
        let rounds = pearson(groups, settings: settings)
        let replicate = rounds.map { $0.chi2 / $0.df }
        let weight = settings.priorDegrees
        guard let between else {
            // Nothing between the sides: rounds (one process) are all there is, shrunk towards the
            // conservative value, and the session term (which rounds of one process cannot show) added;
            // without rounds that value alone, and the report says so.
            let fallback = settings.unmeasuredDispersion
            let phi = rounds.map { (weight * fallback + $0.chi2) / (weight + $0.df) } ?? fallback
            return Estimate(
                measured: replicate, degrees: rounds?.df ?? 0, betweenSides: false,
                prior: fallback, priorDegrees: weight, session: session, replicates: sizes,
                replicateDispersion: replicate, effective: max(1, phi) + session)
        }
        // The sides are two sessions: what they differ by already holds the session term, so the
        // measurement is shrunk towards the prior for this comparison (φ₀ plus the session term at these
        // sample counts) instead of having the session term added on top of it.
        let prior = phi0 + session
        let phi = (weight * prior + between.chi2) / (weight + between.df)
        return Estimate(
            measured: between.chi2 / between.df, degrees: between.df, betweenSides: true, prior: prior,
            priorDegrees: weight, session: session, replicates: sizes, replicateDispersion: replicate,
            effective: max(1, phi))
    }
}
