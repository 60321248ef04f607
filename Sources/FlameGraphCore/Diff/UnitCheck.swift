/// Makes both sides of a comparison count the same thing before the gate turns weights into sample
/// counts — explicitly, with a note, or not at all (exit 65 naming both): never silently.
///
/// A time-weighted profile whose sampling interval is known (`.cpuprofile` timeDeltas, sampled
/// speedscope, pprof `period`, a perf capture's cpu-clock period, or a baseline that stored it)
/// converts to samples (weight / interval). The notes name how `FrameTotals.sampleWeighting` counted
/// each side's samples when that was found or estimated rather than given. Sample counts of
/// different rates compare as they are: shares do not depend on the rate, and the test counts each
/// profile's own samples.
public enum UnitCheck {
    public struct Side {
        public var profiles: [Profile]
        public var label: String
        public init(profiles: [Profile], label: String) {
            self.profiles = profiles
            self.label = label
        }
    }

    /// Returns both sides in one unit, and notes saying what was converted or estimated.
    public static func reconcile(_ given: Side, _ givenAfter: Side) throws -> (
        before: [Profile], after: [Profile], notes: [String]
    ) {
        var notes: [String] = []
        let before = periodCounted(given, notes: &notes), after = periodCounted(givenAfter, notes: &notes)
        let all = before.profiles + after.profiles
        let units = Set(all.map(\.unit))
        if units.count <= 1 {
            if let unit = units.first, isTime(unit),
                let side = [before, after].first(where: {
                    $0.profiles.contains { FrameTotals.sampleWeighting($0).isEstimate }
                })
            {
                notes.append(
                    "\(side.label) is weighted in \(unit.countName) without a sampling interval: its sample counts are estimated from the smallest stack weight, so p-values are approximate"
                )
            }
            return (before.profiles, after.profiles, notes)
        }
        func convertible(_ p: Profile) -> Bool {
            p.unit == .samples || p.unit == .count || (isTime(p.unit) && (p.samplingInterval ?? 0) > 0)
        }
        guard all.allSatisfy(convertible) else {
            throw FlameGraphError(
                .badInput,
                "cannot compare \(before.label) (\(describe(before.profiles))) with \(after.label) (\(describe(after.profiles))): the weights count different things and no sampling interval converts them to samples"
            )
        }
        func convert(_ side: Side) -> [Profile] {
            side.profiles.map { p in
                guard isTime(p.unit), let interval = p.samplingInterval else { return p }
                var out = p.scaled(by: 1 / interval)
                out.unit = .samples
                out.samplingInterval = nil
                notes.append(
                    "converted \(side.label) from \(p.unit.countName) to samples at \(NumberFormatting.weight(interval)) \(p.unit.countName) per sample (its sampling interval)"
                )
                return out
            }
        }
        return (convert(before), convert(after), Array(Set(notes)).sorted())
    }

    /// Counts with no interval whose weights, over all of a side's captures, are multiples of one
    /// period (perf's cpu-clock periods; baselines saved before the interval was kept): every capture
    /// of the side counts one sample per that period, found over the whole side — one round's few
    /// distinct stacks may all share a multiple of it.
    static func periodCounted(_ side: Side, notes: inout [String]) -> Side {
        func isCounts(_ p: Profile) -> Bool {
            (p.unit == .samples || p.unit == .count) && (p.samplingInterval ?? 0) <= 0
        }
        let counts = side.profiles.filter(isCounts)
        guard !counts.isEmpty, let period = FrameTotals.periodInCounts(counts) else { return side }
        notes.append(
            "\(side.label): every count is a multiple of \(NumberFormatting.weight(period)) (a sampling period, as perf writes): counting one sample per \(NumberFormatting.weight(period))"
        )
        var out = side
        for i in out.profiles.indices where isCounts(out.profiles[i]) { out.profiles[i].samplingInterval = period }
        return out
    }

    static func isTime(_ unit: WeightUnit) -> Bool { unit == .microseconds || unit == .nanoseconds }

    static func describe(_ profiles: [Profile]) -> String {
        Set(
            profiles.map { p in
                p.unit.rawValue + (isTime(p.unit) && p.samplingInterval == nil ? ", no sampling interval" : "")
            }
        ).sorted().joined(separator: " and ")
    }
}
