/// What the load generator achieved: the numbers the reports show beside the profile's verdict (a
/// throughput drop under the same load is a signal too).
public struct LoadStatistics: Sendable, Equatable, Codable {
    /// Requests answered with a 2xx or 3xx status.
    public var succeeded: Int
    /// Requests that failed: non-2xx/3xx status, connection error, timeout.
    public var errors: Int
    /// Seconds the load ran.
    public var elapsed: Double
    /// Latency percentiles in milliseconds, over successful requests (0 when none).
    public var p50: Double
    public var p95: Double
    public var p99: Double
    /// Up to five distinct error reasons with their counts, most frequent first: `HTTP 500 ×12`.
    public var errorReasons: [String]

    public init(
        succeeded: Int, errors: Int, elapsed: Double, p50: Double, p95: Double, p99: Double, errorReasons: [String]
    ) {
        self.succeeded = succeeded
        self.errors = errors
        self.elapsed = elapsed
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.errorReasons = errorReasons
    }

    public var requests: Int { succeeded + errors }
    /// Achieved requests per second, errors included.
    public var rate: Double { elapsed > 0 ? Double(requests) / elapsed : 0 }
    public var errorRatio: Double { requests > 0 ? Double(errors) / Double(requests) : 0 }

    /// Builds the statistics from raw latencies (seconds) and error reasons.
    public static func summarize(latencies: [Double], errors: [String: Int], elapsed: Double) -> LoadStatistics {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            // Nearest rank: the smallest value with at least p of the observations at or below it.
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1] * 1000
        }
        let reasons = errors.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5).map {
            "\($0.key) ×\($0.value)"
        }
        return LoadStatistics(
            succeeded: sorted.count, errors: errors.values.reduce(0, +), elapsed: elapsed, p50: percentile(0.50),
            p95: percentile(0.95), p99: percentile(0.99), errorReasons: Array(reasons))
    }
}
