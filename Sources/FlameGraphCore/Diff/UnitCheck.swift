/// Makes both sides of a comparison count the same thing before the gate turns weights into sample
/// counts — explicitly, with a note, or not at all (exit 65 naming both): never silently.
///
/// A time-weighted profile whose format gives its sampling interval (`.cpuprofile` timeDeltas,
/// sampled speedscope, pprof `period`) converts to samples (weight / interval). Sample counts of
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
    public static func reconcile(_ before: Side, _ after: Side) throws -> (
        before: [Profile], after: [Profile], notes: [String]
    ) {
        let all = before.profiles + after.profiles
        let units = Set(all.map(\.unit))
        var notes: [String] = []
        for side in [before, after] {
            if let period = side.profiles.lazy.filter({ $0.unit == .samples || $0.unit == .count })
                .compactMap(FrameTotals.periodInCounts).first
            {
                notes.append(
                    "\(side.label): every count is a multiple of \(NumberFormatting.weight(period)) (a sampling period, as perf writes): counting one sample per \(NumberFormatting.weight(period))"
                )
            }
        }
        if units.count <= 1 {
            if let unit = units.first, isTime(unit),
                let side = [before, after].first(where: { $0.profiles.contains { $0.samplingInterval == nil } })
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

    static func isTime(_ unit: WeightUnit) -> Bool { unit == .microseconds || unit == .nanoseconds }

    static func describe(_ profiles: [Profile]) -> String {
        Set(
            profiles.map { p in
                p.unit.rawValue + (isTime(p.unit) && p.samplingInterval == nil ? ", no sampling interval" : "")
            }
        ).sorted().joined(separator: " and ")
    }
}
