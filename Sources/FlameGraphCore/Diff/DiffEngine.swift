/// Compares profiles frame by frame and decides whether any frame regressed: its share grew by more
/// than its threshold AND the growth is significant under the measured noise model, family-wise over
/// the comparison (see `GateDecision`, `NoiseModel` and `docs/GATE.md`).
public enum DiffEngine {
    /// - Parameters:
    ///   - before/after: the rounds (or captures) of each side; each is a replicate for the noise model.
    ///   - history: earlier baselines of the same service (most commits do not change performance):
    ///     used only to measure the noise.
    public static func compare(
        before: [Profile], after: [Profile], settings: GateSettings, normalizer: FrameNormalizer,
        today: String, baselineLabel: String, afterLabel: String, history: [Profile] = []
    ) -> DiffResult {
        func prepare(_ p: Profile) -> Profile {
            GateScope.apply(normalizer.apply(p), keepIdle: settings.keepIdle, focus: settings.focus)
        }
        let normalizedBefore = before.map(prepare)
        let beforeTotals = normalizedBefore.map { FrameTotals($0) }
        let normalizedAfter = after.map(prepare)
        let afterTotals = normalizedAfter.map { FrameTotals($0) }
        let b = pooled(beforeTotals), a = pooled(afterTotals)
        let metric = settings.metric
        let alpha = 1 - settings.confidence
        func replicate(_ t: FrameTotals) -> NoiseModel.Replicate {
            let weights = metric == .total ? t.totalWeight : t.selfWeight
            return .init(counts: weights.mapValues { $0 / t.sampleUnit }, total: t.total / t.sampleUnit)
        }
        let historyTotals = history.map { FrameTotals(prepare($0)) }
        let nb = samples(beforeTotals), na = samples(afterTotals)
        let between = StackCells.pearson(
            before: normalizedBefore, after: normalizedAfter,
            excluding: mostGrown(b, a, nb: nb, na: na), minExpected: settings.noise.minExpected)
        let noise = NoiseModel.estimate(
            between: between,
            replicates: [beforeTotals.map(replicate), afterTotals.map(replicate), historyTotals.map(replicate)],
            settings: settings.noise, nb: nb, na: na)
        var names = Set(b.totalWeight.keys)
        names.formUnion(a.totalWeight.keys)
        var frames: [FrameChange] = []
        var counts: [(Double, Double)] = []
        frames.reserveCapacity(names.count)
        for name in names.sorted() {
            let sb = b.selfWeight[name] ?? 0, sa = a.selfWeight[name] ?? 0
            let tb = b.totalWeight[name] ?? 0, ta = a.totalWeight[name] ?? 0
            var change = FrameChange(
                name: name, selfBefore: sb, selfAfter: sa, totalBefore: tb, totalAfter: ta,
                selfShareBefore: share(sb, b.total), selfShareAfter: share(sa, a.total),
                totalShareBefore: share(tb, b.total), totalShareAfter: share(ta, a.total), pValue: 1,
                threshold: nil, skipReason: nil, acknowledged: nil, regressed: false)
            let kb = share(metric == .total ? tb : sb, b.total) * nb
            let ka = share(metric == .total ? ta : sa, a.total) * na
            let rule = settings.rule(for: name)
            if rule?.ignore == true {
                change.skipReason = "ignored by rule \(rule!.pattern)"
            } else {
                change.threshold = rule?.threshold ?? settings.threshold
                if ka < settings.minSamples {
                    change.skipReason = "fewer than \(NumberFormatting.weight(settings.minSamples)) samples"
                }
            }
            frames.append(change)
            counts.append((kb, ka))
        }
        let perRound = (nb / Double(max(before.count, 1)) + na / Double(max(after.count, 1))) / 2
        let rate = samplesPerSecond(after)
        GateDecision.decide(
            &frames, counts: counts, nb: nb, na: na, noise: noise, settings: settings, today: today,
            perRound: perRound, samplesPerSecond: rate, callees: { callees(among: $0, in: normalizedAfter) })
        if metric == .total {
            explainCallers(
                &frames, before: normalizedBefore, after: normalizedAfter, threshold: settings.threshold, alpha: alpha,
                phi: noise.effective)
        }
        var warnings: [String] = []
        for ack in settings.acknowledged {
            if let expires = ack.expires, expires < today {
                warnings.append("the acknowledgement for \(ack.pattern) expired on \(expires): it no longer applies")
            }
        }
        if noise.usesDefault {
            warnings.append(
                "too few stacks to measure the noise and no rounds: the conservative dispersion \(NumberFormatting.fixed(settings.noise.unmeasuredDispersion, decimals: 2)) applies"
            )
        }
        // Deterministic order: biggest change of the gated metric first, then by name.
        frames.sort {
            let d0 = $0.delta(metric), d1 = $1.delta(metric)
            return d0 != d1 ? d0 > d1 : $0.name < $1.name
        }
        var result = DiffResult(
            frames: frames, settings: settings, totalBefore: b.total, totalAfter: a.total, samplesBefore: nb,
            samplesAfter: na, unit: after.first?.unit ?? .samples, capturesBefore: before.count,
            capturesAfter: after.count, baselineLabel: baselineLabel, afterLabel: afterLabel,
            test: "quasi-binomial z-test, \(noise.description), Holm over the root causes past the threshold",
            warnings: warnings)
        result.noise = noise
        result.samplesPerSecond = rate
        return result
    }

    /// The frame on at most 90 % of the stacks whose total share grew most significantly (binomial z): its stacks are left out of the
    /// between-sides noise estimate, so a real regression does not inflate the noise it is tested against.
    static func mostGrown(_ b: FrameTotals, _ a: FrameTotals, nb: Double, na: Double) -> String? {
        guard b.total > 0, a.total > 0, nb > 0, na > 0 else { return nil }
        var best: (z: Double, name: String)? = nil
        for (name, ta) in a.totalWeight {
            let sb = (b.totalWeight[name] ?? 0) / b.total, sa = ta / a.total
            let p = (sb * nb + sa * na) / (nb + na)
            // A frame on nearly every stack cannot be left out (nothing would remain to measure): then
            // the next one is. (A regressed function on 60–80 % of a service's stacks must still be left
            // out: kept in, it inflated φ ~10× in the demo.)
            guard p > 0, p <= 0.9, sa > sb else { continue }
            let z = (sa - sb) / (p * (1 - p) * (1 / nb + 1 / na)).squareRoot()
            if best == nil || z > best!.z || (z == best!.z && name < best!.name) { best = (z, name) }
        }
        return best?.name
    }

    /// For each of `names`, the others that run below it on some stack of `profiles`.
    static func callees(among names: Set<String>, in profiles: [Profile]) -> [String: Set<String>] {
        var below: [String: Set<String>] = [:]
        for p in profiles {
            var ids: [Int32: String] = [:]
            for id in 0..<Int32(p.names.count) {
                let n = p.names.string(id)
                if names.contains(n) { ids[id] = n }
            }
            guard !ids.isEmpty else { continue }
            // The listed functions on the path to each node (parents come before children).
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
        return below
    }

    /// Samples of one side: each capture's weight over its own sample weight.
    static func samples(_ totals: [FrameTotals]) -> Double { totals.reduce(0) { $0 + $1.total / $1.sampleUnit } }

    /// Samples per second of time-weighted profiles (weights in µs or ns with a known interval).
    static func samplesPerSecond(_ profiles: [Profile]) -> Double? {
        guard let p = profiles.first, let interval = p.samplingInterval, interval > 0 else { return nil }
        switch p.unit {
        case .microseconds: return 1e6 / interval
        case .nanoseconds: return 1e9 / interval
        default: return nil
        }
    }

    static func share(_ part: Double, _ total: Double) -> Double { total > 0 ? part / total : 0 }

    /// When a callee regresses, every caller's total share grows with it. A regressed caller is marked as
    /// explained by a regressed callee when, leaving out the samples that pass through that callee, the
    /// caller did not grow by more than the threshold (or not significantly): reports then lead with root
    /// causes. (It still counts as a regression: the exit status is unchanged.)
    static func explainCallers(
        _ frames: inout [FrameChange], before: [Profile], after: [Profile], threshold: Double, alpha: Double,
        phi: Double
    ) {
        let regressed = Dictionary(
            frames.enumerated().filter { $0.element.regressed }.map { ($0.element.name, $0.offset) },
            uniquingKeysWith: { a, _ in a })
        guard regressed.count > 1 else { return }
        // (caller, callee) pairs among regressed functions, from the after stacks.
        let below = callees(among: Set(regressed.keys), in: after)
        func remainder(_ profiles: [Profile], _ a: String, _ b: String) -> (weight: Double, total: Double, unit: Double)
        {
            var weight = 0.0, total = 0.0, unit = Double.infinity
            for p in profiles {
                total += p.totalWeight
                unit = min(unit, FrameTotals.sampleWeight(p))
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
                // A helper that grew far less than its caller (a shared `spin` at +1 pp under a `tokenize`
                // at +30 pp) is not the cause: the caller calls it more.
                guard let cj = regressed[callee],
                    GateDecision.calleeAccountsFor(
                        caller: frames[ci].totalDelta, callee: frames[cj].totalDelta, threshold: threshold)
                else { continue }
                let b = remainder(before, caller, callee), a = remainder(after, caller, callee)
                let growth = (share(a.weight, a.total) - share(b.weight, b.total)) * 100
                let p = GateDecision.increasePValue(
                    kb: b.weight / b.unit, nb: b.total / b.unit, ka: a.weight / a.unit, na: a.total / a.unit, phi: phi)
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
