/// Explains a profile's hot spots offline: the functions that burn the CPU in their own code, the
/// ones that are expensive with their callees, and a few plain-English observations from fixed rules.
///
/// Pure and deterministic: the same profile (whatever order its stacks came in) gives the same
/// explanation. Functions are identified by their frame name as it appears in the profile.
public enum HotSpotExplainer {
    /// Frames on at least this share of all samples (the root, `main`, a thread entry) explain nothing
    /// and are left out of the total-time list.
    public static let everywhereShare = 0.99
    /// Paths deeper than this are shortened in the middle.
    public static let maxPathFrames = 9
    /// Categories (kernel, GC, idle, locks) below this share are not mentioned.
    public static let categoryThreshold = 0.05
    /// A function whose self share reaches this is called out as the place to optimise.
    public static let dominantSelfShare = 0.15
    /// A function handing at least this share of its time to one callee is a pass-through.
    public static let passThroughShare = 0.9

    /// `measure` defaults by the unit (bytes → memory, else CPU). Frames named `function (file:LINE)`
    /// are ranked per function (the line dropped), so a Python function is one entry, not one per line.
    public static func explain(_ original: Profile, top: Int, measure: ExplanationMeasure? = nil) -> Explanation {
        let measure = measure ?? .default(for: original.unit)
        let profile = FunctionAggregation.byFunction(original)
        let top = max(top, 1)
        let nameCount = profile.names.count
        let inclusive = profile.inclusiveWeights()
        let total = inclusive[0]
        let (offsets, children) = profile.childLists()

        var kind = [FrameKind](repeating: .other, count: nameCount)
        for id in 0..<nameCount { kind[id] = FrameKind(profile.names.string(Int32(id))) }

        // Pass 1: self and total (once per sample) per name, recursion, the heaviest self node per
        // name, and the samples with a lock/wait frame anywhere on the stack.
        var selfByName = [Double](repeating: 0, count: nameCount)
        var totalByName = [Double](repeating: 0, count: nameCount)
        var recursive = [Bool](repeating: false, count: nameCount)
        var heaviest = [Int32](repeating: 0, count: nameCount)
        var active = [Int32](repeating: 0, count: nameCount)
        var activeLocks = 0
        var lockWeight = 0.0
        var stack: [Int32] = Array(children[offsets[0]..<offsets[1]])
        while let entry = stack.popLast() {
            if entry < 0 {
                let id = Int(profile.name[Int(-entry)])
                active[id] -= 1
                if kind[id] == .lock { activeLocks -= 1 }
                continue
            }
            let node = Int(entry)
            let id = Int(profile.name[node])
            if active[id] == 0 { totalByName[id] += inclusive[node] } else { recursive[id] = true }
            let w = profile.selfWeight[node]
            selfByName[id] += w
            if w > 0 {
                let best = Int(heaviest[id])
                if best == 0 || w > profile.selfWeight[best]
                    || (w == profile.selfWeight[best] && pathPrecedes(profile, Int32(node), Int32(best)))
                {
                    heaviest[id] = Int32(node)
                }
            }
            active[id] += 1
            if kind[id] == .lock { activeLocks += 1 }
            if activeLocks > 0 { lockWeight += w }
            stack.append(-entry)
            stack.append(contentsOf: children[offsets[node]..<offsets[node + 1]])
        }

        let ids = (0..<nameCount).filter { selfByName[$0] != 0 || totalByName[$0] != 0 }
        let nameOf = ids.reduce(into: [Int: String]()) { $0[$1] = profile.names.string(Int32($1)) }
        func share(_ w: Double) -> Double { total > 0 ? w / total : 0 }

        let selfIDs = ids.filter { selfByName[$0] > 0 }.sorted {
            selfByName[$0] != selfByName[$1] ? selfByName[$0] > selfByName[$1] : nameOf[$0]! < nameOf[$1]!
        }
        // The rules look at more functions than are listed (at least 30), so the observations do not
        // depend on --top.
        let considered = max(top, 30)
        let bySelf = selfIDs.prefix(considered).map { id in
            Explanation.SelfHotSpot(
                name: nameOf[id]!, selfWeight: selfByName[id], totalWeight: totalByName[id],
                selfShare: share(selfByName[id]), totalShare: share(totalByName[id]),
                heaviestPath: shorten(profile.frames(heaviest[id])),
                pathWeight: profile.selfWeight[Int(heaviest[id])], recursive: recursive[id])
        }

        let totalIDs = Array(
            ids.filter { totalByName[$0] > 0 && share(totalByName[$0]) < everywhereShare }.sorted {
                totalByName[$0] != totalByName[$1] ? totalByName[$0] > totalByName[$1] : nameOf[$0]! < nameOf[$1]!
            }.prefix(considered))

        // Pass 2: for the listed functions, the weight of each direct callee (each sample once).
        let callees = calleeWeights(profile, inclusive: inclusive, offsets: offsets, children: children, of: totalIDs)
        let byTotal = totalIDs.map { id in
            var topCallee: String? = nil
            var topWeight = 0.0
            for (calleeID, w) in callees[id, default: [:]] {
                let name = profile.names.string(Int32(calleeID))
                if w > topWeight || (w == topWeight && topCallee.map { name < $0 } ?? true) {
                    topCallee = name
                    topWeight = w
                }
            }
            return Explanation.TotalHotSpot(
                name: nameOf[id]!, selfWeight: selfByName[id], totalWeight: totalByName[id],
                selfShare: share(selfByName[id]), totalShare: share(totalByName[id]), topCallee: topCallee,
                topCalleeWeight: topWeight, recursive: recursive[id])
        }

        var categories: [FrameKind: Double] = [:]
        for id in ids where kind[id] != .other && kind[id] != .lock {
            categories[kind[id], default: 0] += selfByName[id]
        }
        let lockNames = ids.filter { kind[$0] == .lock && totalByName[$0] > 0 }.sorted {
            totalByName[$0] != totalByName[$1] ? totalByName[$0] > totalByName[$1] : nameOf[$0]! < nameOf[$1]!
        }.prefix(2).map { nameOf[$0]! }

        let topFiveShare = share(selfIDs.prefix(5).reduce(0) { $0 + selfByName[$1] })
        let observations = observe(
            total: total, bySelf: bySelf, byTotal: byTotal, topFiveCount: min(5, selfIDs.count),
            topFiveShare: topFiveShare, functionCount: selfIDs.count,
            kernel: share(categories[.kernel, default: 0]), gc: share(categories[.gc, default: 0]),
            idle: share(categories[.idle, default: 0]), locks: share(lockWeight), lockNames: Array(lockNames),
            measure: measure)

        return Explanation(
            totalWeight: total, unit: profile.unit, measure: measure, functionCount: ids.count, top: top,
            bySelf: Array(bySelf.prefix(top)), byTotal: Array(byTotal.prefix(top)), observations: observations)
    }

    // MARK: - Rules

    static func observe(
        total: Double, bySelf: [Explanation.SelfHotSpot], byTotal: [Explanation.TotalHotSpot], topFiveCount: Int,
        topFiveShare: Double, functionCount: Int, kernel: Double, gc: Double, idle: Double, locks: Double,
        lockNames: [String], measure: ExplanationMeasure = .cpu
    ) -> [Explanation.Observation] {
        typealias O = Explanation.Observation
        guard total > 0 else { return [O([.text("The profile has no samples: there is nothing to explain.")])] }
        var out: [O] = []

        // (idle), (program) and the GC are not code to optimise: the category rules below cover them.
        for s in bySelf.prefix(3) where s.selfShare >= dominantSelfShare && FrameKind(s.name) == .other {
            out.append(O([.frame(s.name), .text(measure.dominantSelf(percent(s.selfShare)))]))
        }

        var calleeHeavy = 0
        for t in byTotal where calleeHeavy < 2 && t.totalShare >= 0.2 && t.calleeFraction >= 0.8 {
            // A pass-through (a thread entry, a wrapper) hands nearly everything to one callee, which
            // is listed on its own: nothing to say about it.
            guard let callee = t.topCallee, t.totalWeight > 0, t.topCalleeWeight / t.totalWeight < passThroughShare
            else { continue }
            out.append(
                O([
                    .frame(t.name), .text(" spends \(percent(t.calleeFraction)) of its time in its callees, mostly "),
                    .frame(callee),
                    .text(
                        " (\(percent(t.topCalleeWeight / t.totalWeight)) of its time): look at what it calls and how often."
                    ),
                ]))
            calleeHeavy += 1
        }

        let topN = topFiveCount == 1 ? "the only function" : "the top \(topFiveCount) functions"
        if topFiveShare >= 0.5 || functionCount <= 5 {
            out.append(
                O([
                    .text(
                        "\(capitalized(topN)) account for \(percent(topFiveShare)) of \(measure.shareNoun) (a concentrated profile): a few targeted fixes will pay off."
                    )
                ]))
        } else if topFiveShare < 0.25 {
            out.append(
                O([
                    .text(
                        "\(capitalized(topN)) account for only \(percent(topFiveShare)) of \(measure.shareNoun) (a flat profile): there is no single hot spot; look at the wide towers (whole subsystems) instead."
                    )
                ]))
        } else {
            out.append(
                O([
                    .text(
                        "\(capitalized(topN)) account for \(percent(topFiveShare)) of \(measure.shareNoun) (a moderately concentrated profile)."
                    )
                ]))
        }

        if kernel >= categoryThreshold {
            out.append(
                O([
                    .text(
                        "\(percent(kernel)) of samples are in the kernel (system calls, page faults): look for many small reads/writes, allocation churn or memory mapping."
                    )
                ]))
        }
        if gc >= categoryThreshold {
            out.append(
                O([
                    .text(
                        "\(percent(gc)) of samples are in the garbage collector: reduce allocations (reuse buffers, avoid temporary objects)."
                    )
                ]))
        }
        if idle >= categoryThreshold {
            out.append(
                O([
                    .text(
                        "\(percent(idle)) of samples are idle or unattributed ((idle), (program)): that time is not spent in your code."
                    )
                ]))
        }
        if locks >= categoryThreshold {
            var parts: [O.Part] = [.text("\(percent(locks)) of samples are in lock or wait functions (")]
            for (i, name) in lockNames.enumerated() {
                if i > 0 { parts.append(.text(", ")) }
                parts.append(.frame(name))
            }
            parts.append(
                .text(
                    "): threads contend for locks or wait for events; an off-CPU profile (flame-graph offcpu) shows the blocked time."
                ))
            out.append(O(parts))
        }

        var seen = Set<String>()
        var recursiveNames: [String] = []
        for name in bySelf.filter(\.recursive).map(\.name) + byTotal.filter(\.recursive).map(\.name)
        where seen.insert(name).inserted {
            recursiveNames.append(name)
        }
        for name in recursiveNames.prefix(3) {
            out.append(
                O([
                    .frame(name),
                    .text(" is recursive (it appears in its own call path): its total counts each sample once."),
                ]))
        }
        return out
    }

    /// `0.4213` → `42.1%`.
    public static func percent(_ share: Double) -> String { NumberFormatting.fixed(share * 100, decimals: 1) + "%" }

    static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

    // MARK: - Helpers

    /// A deep path keeps its first 3 and last 5 frames around a `…`.
    static func shorten(_ path: [String]) -> [String] {
        guard path.count > maxPathFrames else { return path }
        return Array(path.prefix(3)) + ["…"] + Array(path.suffix(5))
    }

    /// Orders two nodes of equal weight by their paths, so the choice never depends on input order.
    static func pathPrecedes(_ profile: Profile, _ a: Int32, _ b: Int32) -> Bool {
        let pa = profile.frames(a), pb = profile.frames(b)
        for (x, y) in zip(pa, pb) where x != y { return x < y }
        return pa.count < pb.count
    }

    /// For each function in `of`: direct callee name id → weight under it, each sample counted once
    /// even when the pair repeats on one stack (recursion).
    static func calleeWeights(
        _ profile: Profile, inclusive: [Double], offsets: [Int], children: [Int32], of functions: [Int]
    ) -> [Int: [Int: Double]] {
        let wanted = Set(functions)
        var out: [Int: [Int: Double]] = [:]
        guard !wanted.isEmpty else { return out }
        var activePairs: [UInt64: Int] = [:]
        var stack: [Int32] = Array(children[offsets[0]..<offsets[1]])
        while let entry = stack.popLast() {
            if entry < 0 {
                let node = Int(-entry)
                let key = pairKey(profile, node)
                activePairs[key]! -= 1
                continue
            }
            let node = Int(entry)
            let parent = Int(profile.parent[node])
            if parent > 0 {
                let caller = Int(profile.name[parent]), callee = Int(profile.name[node])
                if caller != callee && wanted.contains(caller) && activePairs[pairKey(profile, node), default: 0] == 0 {
                    out[caller, default: [:]][callee, default: 0] += inclusive[node]
                }
            }
            activePairs[pairKey(profile, node), default: 0] += 1
            stack.append(-entry)
            stack.append(contentsOf: children[offsets[node]..<offsets[node + 1]])
        }
        return out
    }

    static func pairKey(_ profile: Profile, _ node: Int) -> UInt64 {
        let parent = Int(profile.parent[node])
        let caller = parent > 0 ? UInt32(bitPattern: profile.name[parent]) : UInt32.max
        return UInt64(caller) << 32 | UInt64(UInt32(bitPattern: profile.name[node]))
    }
}

/// What kind of work a frame name stands for, by its name alone.
enum FrameKind: Hashable {
    case other, kernel, gc, idle, lock

    init(_ name: String) {
        if name.hasSuffix("_[k]") || Self.kernelPrefixes.contains(where: { name.hasPrefix($0) }) {
            // A kernel lock (futex) is still a lock: waiting is what matters.
            self = Self.isLock(name) ? .lock : .kernel
        } else if name == "(garbage collector)" || name == "GC" || name.hasPrefix("gc_") || name.hasPrefix("GC_")
            || name.hasPrefix("GC ")
        {
            self = .gc
        } else if name == "(idle)" || name == "(program)" {
            self = .idle
        } else if Self.isLock(name) {
            self = .lock
        } else {
            self = .other
        }
    }

    static let kernelPrefixes = [
        "entry_SYSCALL", "do_syscall_64", "__x64_sys_", "__arm64_sys_", "__do_sys_", "syscall_exit_to_user_mode",
        "asm_exc_page_fault", "exc_page_fault", "do_page_fault", "__do_page_fault", "handle_mm_fault",
    ]

    static let lockNames: Set<String> = [
        "pthread_mutex_lock", "__pthread_mutex_lock", "___pthread_mutex_lock", "__lll_lock_wait",
        "__lll_lock_wait_private", "pthread_cond_wait", "__pthread_cond_wait", "pthread_cond_timedwait",
        "__pthread_cond_timedwait", "pthread_rwlock_rdlock", "pthread_rwlock_wrlock", "pthread_spin_lock",
        "sem_wait", "epoll_wait", "epoll_pwait",
    ]

    static func isLock(_ name: String) -> Bool {
        var base = Substring(name)
        for suffix in ["_[k]", "_[j]", "_[i]"] where base.hasSuffix(suffix) { base = base.dropLast(suffix.count) }
        if let at = base.firstIndex(of: "@") { base = base[..<at] }
        return lockNames.contains(String(base)) || base.contains("futex")
    }
}
