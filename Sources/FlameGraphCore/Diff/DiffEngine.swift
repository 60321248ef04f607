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
    /// One-sided p-value for "the gated metric's share grew".
    public var pValue: Double
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
    public var totalBefore: Double
    public var totalAfter: Double
    public var unit: WeightUnit
    public var capturesBefore: Int
    public var capturesAfter: Int
    /// What the baseline was (a file name, or `commit abc1234 (service)`), for every report.
    public var baselineLabel: String
    public var afterLabel: String
    /// The test used: "two-proportion z-test" or "Welch t-test across captures".
    public var test: String
    public var warnings: [String] = []

    public var regressions: [FrameChange] {
        frames.filter(\.regressed).sorted { $0.delta(settings.metric) > $1.delta(settings.metric) }
    }
    public var passed: Bool { regressions.isEmpty }
    /// Regressions that are not explained by a regressed callee: the root causes, largest first.
    public var rootCauses: [FrameChange] { regressions.filter { $0.explainedBy == nil } }
    /// Unit of weights: are absolute changes meaningful (time or bytes, not samples)?
    public var hasAbsoluteUnit: Bool { unit == .nanoseconds || unit == .microseconds || unit == .bytes }
}

/// Compares profiles frame by frame and decides whether any frame regressed: its share grew by more
/// than its threshold AND the growth is statistically significant (see `docs/GATE.md`).
public enum DiffEngine {
    public static func compare(
        before: [Profile], after: [Profile], settings: GateSettings, normalizer: FrameNormalizer,
        today: String, baselineLabel: String, afterLabel: String
    ) -> DiffResult {
        let normalizedBefore = before.map { normalizer.apply($0) }
        let beforeTotals = normalizedBefore.map { FrameTotals($0) }
        let normalizedAfter = after.map { normalizer.apply($0) }
        let afterTotals = normalizedAfter.map { FrameTotals($0) }
        let b = pooled(beforeTotals), a = pooled(afterTotals)
        let useWelch = before.count >= 2 && after.count >= 2
        var names = Set(b.totalWeight.keys)
        names.formUnion(a.totalWeight.keys)
        let alpha = 1 - settings.confidence
        var frames: [FrameChange] = []
        frames.reserveCapacity(names.count)
        var warnings: [String] = []
        for name in names {
            let sb = b.selfWeight[name] ?? 0, sa = a.selfWeight[name] ?? 0
            let tb = b.totalWeight[name] ?? 0, ta = a.totalWeight[name] ?? 0
            var change = FrameChange(
                name: name, selfBefore: sb, selfAfter: sa, totalBefore: tb, totalAfter: ta,
                selfShareBefore: share(sb, b.total), selfShareAfter: share(sa, a.total),
                totalShareBefore: share(tb, b.total), totalShareAfter: share(ta, a.total), pValue: 1,
                threshold: nil, skipReason: nil, acknowledged: nil, regressed: false)
            let metric = settings.metric
            let kb = metric == .total ? tb : sb, ka = metric == .total ? ta : sa
            if useWelch {
                let sharesBefore = beforeTotals.map { share(metricWeight($0, name, metric), $0.total) }
                let sharesAfter = afterTotals.map { share(metricWeight($0, name, metric), $0.total) }
                change.pValue = Statistics.welchIncreasePValue(before: sharesBefore, after: sharesAfter)
            } else {
                change.pValue = Statistics.proportionIncreasePValue(
                    k1: kb / b.sampleUnit, n1: b.total / b.sampleUnit, k2: ka / a.sampleUnit, n2: a.total / a.sampleUnit
                )
            }
            let rule = settings.rule(for: name)
            if rule?.ignore == true {
                change.skipReason = "ignored by rule \(rule!.pattern)"
            } else if ka / a.sampleUnit < settings.minSamples {
                change.skipReason = "fewer than \(NumberFormatting.weight(settings.minSamples)) samples"
                change.threshold = rule?.threshold ?? settings.threshold
            } else {
                let threshold = rule?.threshold ?? settings.threshold
                change.threshold = threshold
                let over = change.delta(metric) > threshold && change.pValue < alpha
                if over, let ack = settings.acknowledgement(for: name, today: today) {
                    change.acknowledged = ack.reason + (ack.expires.map { " (until \($0))" } ?? "")
                } else {
                    change.regressed = over
                }
            }
            frames.append(change)
        }
        if settings.metric == .total {
            explainCallers(
                &frames, before: normalizedBefore, after: normalizedAfter, threshold: settings.threshold, alpha: alpha)
        }
        for ack in settings.acknowledged {
            if let expires = ack.expires, expires < today {
                warnings.append("the acknowledgement for \(ack.pattern) expired on \(expires): it no longer applies")
            }
        }
        // Deterministic order: biggest change of the gated metric first, then by name.
        frames.sort {
            let d0 = $0.delta(settings.metric), d1 = $1.delta(settings.metric)
            return d0 != d1 ? d0 > d1 : $0.name < $1.name
        }
        return DiffResult(
            frames: frames, settings: settings, totalBefore: b.total, totalAfter: a.total,
            unit: after.first?.unit ?? .samples, capturesBefore: before.count, capturesAfter: after.count,
            baselineLabel: baselineLabel, afterLabel: afterLabel,
            test: useWelch ? "Welch t-test across captures" : "two-proportion z-test", warnings: warnings)
    }

    static func share(_ part: Double, _ total: Double) -> Double { total > 0 ? part / total : 0 }

    /// When a callee regresses, every caller's total share grows with it. A regressed caller is marked as
    /// explained by a regressed callee when, leaving out the samples that pass through that callee, the
    /// caller did not grow by more than the threshold (or not significantly): reports then lead with root
    /// causes. (It still counts as a regression: the exit status is unchanged.)
    static func explainCallers(
        _ frames: inout [FrameChange], before: [Profile], after: [Profile], threshold: Double, alpha: Double
    ) {
        let regressed = Dictionary(
            frames.enumerated().filter { $0.element.regressed }.map { ($0.element.name, $0.offset) },
            uniquingKeysWith: { a, _ in a })
        guard regressed.count > 1 else { return }
        // (caller, callee) pairs among regressed functions, from the after stacks.
        var below: [String: Set<String>] = [:]
        for p in after {
            var ids: [Int32: String] = [:]
            for id in 0..<Int32(p.names.count) {
                let n = p.names.string(id)
                if regressed[n] != nil { ids[id] = n }
            }
            // Regressed functions on the path to each node (parents come before children).
            var pathSets = [[String]](repeating: [], count: p.nodeCount)
            for node in 1..<max(p.nodeCount, 1) {
                var path = pathSets[Int(p.parent[node])]
                if let name = ids[p.name[node]] {
                    for caller in path where caller != name { below[caller, default: []].insert(name) }
                    if !path.contains(name) { path.append(name) }
                }
                pathSets[node] = path
            }
        }
        func remainder(_ profiles: [Profile], _ a: String, _ b: String) -> (weight: Double, total: Double, unit: Double)
        {
            var weight = 0.0, total = 0.0, unit = Double.infinity
            for p in profiles {
                total += p.totalWeight
                unit = min(
                    unit,
                    (p.unit == .samples || p.unit == .count) ? 1 : (p.selfWeight.lazy.filter { $0 > 0 }.min() ?? 1))
                guard let aID = p.names.lookup(a) else { continue }
                let bID = p.names.lookup(b)
                // Per node: is A on the path, and is B below an A on it?
                var withA = [Bool](repeating: false, count: p.nodeCount)
                var throughB = [Bool](repeating: false, count: p.nodeCount)
                for node in 1..<max(p.nodeCount, 1) {
                    let parent = Int(p.parent[node])
                    withA[node] = withA[parent] || p.name[node] == aID
                    throughB[node] = throughB[parent] || (withA[parent] && p.name[node] == bID)
                    if withA[node] && !throughB[node] { weight += p.selfWeight[node] }
                }
            }
            return (weight, total, unit.isFinite ? unit : 1)
        }
        for (caller, callees) in below {
            guard let ci = regressed[caller] else { continue }
            var best: (growth: Double, name: String)? = nil
            // Mutual recursion (each calls the other) explains neither.
            for callee in callees.sorted() where !(below[callee]?.contains(caller) ?? false) {
                let b = remainder(before, caller, callee), a = remainder(after, caller, callee)
                let growth = (share(a.weight, a.total) - share(b.weight, b.total)) * 100
                let p = Statistics.proportionIncreasePValue(
                    k1: b.weight / b.unit, n1: b.total / b.unit, k2: a.weight / a.unit, n2: a.total / a.unit)
                guard growth <= threshold || p >= alpha else { continue }
                if best == nil || growth < best!.growth { best = (growth, callee) }
            }
            if let best { frames[ci].explainedBy = best.name }
        }
        // Follow chains so every caller names a root cause, not an intermediate caller.
        for i in frames.indices {
            var seen: Set<String> = []
            while let e = frames[i].explainedBy, let j = regressed[e], let next = frames[j].explainedBy,
                seen.insert(e).inserted
            {
                frames[i].explainedBy = next
            }
        }
    }

    static func metricWeight(_ t: FrameTotals, _ name: String, _ metric: GateSettings.Metric) -> Double {
        (metric == .total ? t.totalWeight[name] : t.selfWeight[name]) ?? 0
    }

    /// Several captures of one side, summed (for shares and the pooled test).
    static func pooled(_ totals: [FrameTotals]) -> FrameTotals {
        guard totals.count > 1 else { return totals.first ?? FrameTotals() }
        var out = FrameTotals()
        for t in totals {
            out.total += t.total
            for (k, v) in t.selfWeight { out.selfWeight[k, default: 0] += v }
            for (k, v) in t.totalWeight { out.totalWeight[k, default: 0] += v }
        }
        out.sampleUnit = totals.map(\.sampleUnit).min() ?? 1
        return out
    }
}
