/// Per-function totals of one profile: *self* (samples where the function is the leaf) and *total*
/// (samples with the function anywhere on the stack, counted once per sample even under recursion).
public struct FrameTotals: Sendable {
    public var selfWeight: [String: Double] = [:]
    public var totalWeight: [String: Double] = [:]
    /// All samples.
    public var total: Double = 0
    /// The weight of one sample, to turn weights into sample counts for the tests (see `sampleWeight`).
    public var sampleUnit: Double = 1

    public init() {}

    public init(_ profile: Profile) {
        let inclusive = profile.inclusiveWeights()
        total = inclusive[0]
        let (offsets, children) = profile.childLists()
        var active = [Int32](repeating: 0, count: profile.names.count)
        var selfByName = [Double](repeating: 0, count: profile.names.count)
        var totalByName = [Double](repeating: 0, count: profile.names.count)
        // Iterative DFS; a negative entry means "leave this node".
        var stack: [Int32] = []
        for c in children[offsets[0]..<offsets[1]] { stack.append(c) }
        while let entry = stack.popLast() {
            if entry < 0 {
                active[Int(profile.name[Int(-entry)])] -= 1
                continue
            }
            let node = Int(entry)
            let id = Int(profile.name[node])
            if active[id] == 0 { totalByName[id] += inclusive[node] }
            selfByName[id] += profile.selfWeight[node]
            active[id] += 1
            stack.append(-entry)
            for c in children[offsets[node]..<offsets[node + 1]] { stack.append(c) }
        }
        for id in 0..<profile.names.count where totalByName[id] != 0 || selfByName[id] != 0 {
            let name = profile.names.string(Int32(id))
            selfWeight[name, default: 0] += selfByName[id]
            totalWeight[name, default: 0] += totalByName[id]
        }
        sampleUnit = Self.sampleWeight(profile)
    }

    /// One sample's weight, to turn weights into sample counts (see `SampleWeighting`).
    public static func sampleWeight(_ profile: Profile) -> Double { sampleWeighting(profile).weight }

    /// How one sample's weight is known, in this order: the profile's own sampling interval (from its
    /// format, a capture, or a stored baseline); for counts, 1 — or the period when every count is a
    /// multiple of one (`periodInCounts`); otherwise (time or bytes with no interval) the smallest stack
    /// weight, an estimate. `UnitCheck`'s notes say which applied.
    public enum SampleWeighting: Equatable, Sendable {
        case one
        case interval(Double)
        case period(Double)
        case smallestStack(Double)

        public var weight: Double {
            switch self {
            case .one: return 1
            case .interval(let w), .period(let w), .smallestStack(let w): return w
            }
        }

        /// The period found in the counts, if that is how the weight is known.
        public var period: Double? {
            if case .period(let w) = self { return w }
            return nil
        }

        /// Whether the weight is only estimated (no interval, not counts).
        public var isEstimate: Bool {
            if case .smallestStack = self { return true }
            return false
        }
    }

    public static func sampleWeighting(_ profile: Profile) -> SampleWeighting {
        if let interval = profile.samplingInterval, interval > 0 { return .interval(interval) }
        switch profile.unit {
        case .samples, .count: return periodInCounts(profile).map(SampleWeighting.period) ?? .one
        default: return .smallestStack(profile.selfWeight.lazy.filter { $0 > 0 }.min() ?? 1)
        }
    }

    /// Counts that are all multiples of one large number are periods, not samples: perf's cpu-clock
    /// weighs each sample by its period in ns (10,000,000 at 100 Hz), and folded text keeps no unit.
    /// Returns that period (≥ 100,000: 10 kHz in ns) when every weight is a whole multiple of it.
    public static func periodInCounts(_ profile: Profile) -> Double? { periodInCounts([profile]) }

    /// The period common to every count of `profiles` (the captures of one side): more stacks than
    /// one round's few, whose counts may all share a multiple of the period.
    public static func periodInCounts(_ profiles: [Profile]) -> Double? {
        var g: UInt64 = 0
        for profile in profiles {
            for w in profile.selfWeight where w != 0 {
                guard w > 0, w < 9e15, w == w.rounded() else { return nil }
                var a = g, b = UInt64(w)
                while b != 0 { (a, b) = (b, a % b) }
                g = a
                if g < 100_000 { return nil }
            }
        }
        return g >= 100_000 ? Double(g) : nil
    }
}
