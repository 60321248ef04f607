/// What `flame-graph gate` found for one service: the comparison, a saved baseline, or why it could not
/// be measured — with the load it ran under. The combined reports are built from a list of these.
public struct ServiceReport: Sendable {
    public enum Outcome: Sendable {
        /// Compared with a baseline.
        case compared(DiffResult)
        /// Saved as the baseline of `commit` (or into a baseline directory).
        case saved(where: String, samples: Double, rounds: Int)
        /// Not measured: the service did not start or become ready, the load failed, or the capture did.
        /// `log` is the tail of the service's log.
        case unavailable(message: String, log: String?)
    }

    public var name: String
    public var profiler: String
    public var outcome: Outcome
    /// The load during the capture (nil when an external command drove it or nothing was captured).
    public var load: LoadStatistics?
    /// The load the baseline was captured under, when the baseline recorded it.
    public var baselineLoad: LoadStatistics?
    /// Hygiene warnings: dirty work tree, few samples, different host or tool version…
    public var warnings: [String]

    public init(
        name: String, profiler: String, outcome: Outcome, load: LoadStatistics? = nil,
        baselineLoad: LoadStatistics? = nil, warnings: [String] = []
    ) {
        self.name = name
        self.profiler = profiler
        self.outcome = outcome
        self.load = load
        self.baselineLoad = baselineLoad
        self.warnings = warnings
    }

    public enum Verdict: String, Sendable {
        case pass, inconclusive, regression, unavailable, saved
    }

    public var verdict: Verdict {
        switch outcome {
        case .compared(let r):
            switch r.verdict {
            case .pass: return .pass
            case .inconclusive: return .inconclusive
            case .regression: return .regression
            }
        case .saved: return .saved
        case .unavailable: return .unavailable
        }
    }

    /// The exit status of a whole gate run: 1 if any service regressed (a definite finding) — or was
    /// inconclusive under `failOnInconclusive` or its comparison's own setting (where
    /// `--fail-on-inconclusive` puts it, so the JSON report, which passes no flag, says the process's
    /// status) — else 69 if any could not be measured, else 0.
    public static func exitStatus(_ reports: [ServiceReport], failOnInconclusive: Bool = false) -> Int32 {
        if reports.contains(where: { $0.verdict == .regression }) { return 1 }
        if reports.contains(where: { $0.verdict == .inconclusive && (failOnInconclusive || $0.failsWhenInconclusive) })
        {
            return 1
        }
        if reports.contains(where: { $0.verdict == .unavailable }) { return 69 }
        return 0
    }

    /// Whether the comparison was made to fail when inconclusive.
    var failsWhenInconclusive: Bool {
        if case .compared(let result) = outcome { return result.settings.failOnInconclusive }
        return false
    }

    /// `412.3 req/s, p50 4.1 ms, p95 9.8 ms, p99 15.0 ms, 0 errors` (and the change from the baseline's).
    public static func loadLine(_ l: LoadStatistics, baseline: LoadStatistics? = nil) -> String {
        func ms(_ v: Double) -> String { NumberFormatting.fixed(v, decimals: v < 10 ? 2 : 1) + " ms" }
        var s =
            "\(NumberFormatting.fixed(l.rate, decimals: 1)) req/s (\(NumberFormatting.grouped(Double(l.requests))) requests"
        s +=
            " in \(NumberFormatting.fixed(l.elapsed, decimals: 1)) s), p50 \(ms(l.p50)), p95 \(ms(l.p95)), p99 \(ms(l.p99)), "
        s += "\(l.errors) error\(l.errors == 1 ? "" : "s")"
        if l.errors > 0 { s += " (\(NumberFormatting.fixed(l.errorRatio * 100, decimals: 2))%)" }
        if let b = baseline, b.rate > 0 {
            let change = (l.rate / b.rate - 1) * 100
            s +=
                "; throughput \(change >= 0 ? "+" : "")\(NumberFormatting.fixed(change, decimals: 1))% vs the baseline's "
            s += "\(NumberFormatting.fixed(b.rate, decimals: 1)) req/s"
        }
        return s
    }
}
