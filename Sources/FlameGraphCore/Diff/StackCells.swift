/// The dispersion of one comparison measured on the comparison itself: each distinct stack (root to
/// leaf) is a cell of a before × after contingency table, and the Pearson χ² of that table over its
/// degrees of freedom estimates φ between the two sides — two processes, two CI jobs — which is the
/// noise the gate must not call a regression.
///
/// A real regression moves the cells through the regressed function and, by dilution, every other
/// share; so the cells through the frame that grew most are left out and the rest are compared among
/// themselves (renormalised), where a regression elsewhere leaves no trace. Measured on real captures
/// (`ci/calibrate`), this keeps φ̂ of an A/B pair close to its A/A value.
public enum StackCells {
    /// Sample weight per cell (a hash of the stack's names) of one side, and the samples left out.
    struct Side {
        var cells: [UInt64: Double] = [:]
        var kept = 0.0
    }

    /// Cells of `profiles` in samples (each profile's weight over its own sample weight), leaving out
    /// every stack with `excluded` on it.
    static func side(_ profiles: [Profile], excluding excluded: String?) -> Side {
        var out = Side()
        for p in profiles {
            guard p.nodeCount > 1 else { continue }
            let unit = FrameTotals.sampleWeight(p)
            let skipID = excluded.flatMap { p.names.lookup($0) }
            var nameHash = [UInt64](repeating: 0, count: p.names.count)
            for id in 0..<p.names.count { nameHash[id] = fnv1a(p.names.string(Int32(id))) }
            var hash = [UInt64](repeating: 0xcbf2_9ce4_8422_2325, count: p.nodeCount)
            var skipped = [Bool](repeating: false, count: p.nodeCount)
            // Parents come before their children in node order.
            for node in 1..<p.nodeCount {
                let parent = Int(p.parent[node])
                let id = p.name[node]
                hash[node] = (hash[parent] &* 0x0000_0100_0000_01b3) ^ nameHash[Int(id)] &+ 0x9e37_79b9
                skipped[node] = skipped[parent] || id == skipID
                let w = p.selfWeight[node]
                guard w > 0, !skipped[node] else { continue }
                out.cells[hash[node], default: 0] += w / unit
                out.kept += w / unit
            }
        }
        return out
    }

    /// The dispersion between the sides on the `before` × `after` table of cells, as (χ², df) with
    /// χ²/df the estimate: each cell's standardised squared difference d² / (p(1 − p)(1/N_b + 1/N_a)),
    /// averaged with the cell's share p as its weight, on the Kish effective number of cells minus one
    /// degrees of freedom. Cells expected to hold fewer than `minExpected` samples on the smaller side
    /// are pooled into one. nil when fewer than three cells remain (two cells are one share).
    ///
    /// Why weighted: a sampler's artefacts (py-spy's torn stacks, a frame missing from a path) make
    /// small cells whose rate differs between processes far more than p(1 − p) says; counted equally
    /// they set φ for the big frames the gate tests (a CPU-hog +9 pp comparison measured φ = 13–16 on
    /// three such cells of 2 % of the samples). Weighted by share, φ is the noise where the gated
    /// samples are (docs/GATE.md).
    public static func pearson(
        before: [Profile], after: [Profile], excluding excluded: String?, minExpected: Double
    ) -> (chi2: Double, df: Double)? {
        let b = side(before, excluding: excluded), a = side(after, excluding: excluded)
        let nb = b.kept, na = a.kept
        guard nb > 0, na > 0 else { return nil }
        let smaller = min(nb, na)
        var keys = Set(b.cells.keys)
        keys.formUnion(a.cells.keys)
        var weighted = 0.0, weights = 0.0, squares = 0.0, cells = 0
        var otherB = 0.0, otherA = 0.0
        func add(_ kb: Double, _ ka: Double) {
            let p = (kb + ka) / (nb + na)
            cells += 1
            guard p < 1 else { return }
            let d = ka / na - kb / nb
            weighted += p * d * d / (p * (1 - p) * (1 / nb + 1 / na))
            weights += p
            squares += p * p
        }
        for key in keys.sorted() {  // a fixed order: the same inputs give the same bits
            let kb = b.cells[key] ?? 0, ka = a.cells[key] ?? 0
            if smaller * (kb + ka) / (nb + na) < minExpected {
                otherB += kb
                otherA += ka
                continue
            }
            add(kb, ka)
        }
        if otherB + otherA > 0, smaller * (otherB + otherA) / (nb + na) >= minExpected { add(otherB, otherA) }
        guard cells >= 3, weights > 0 else { return nil }
        let df = max(weights * weights / squares - 1, 1)
        return (weighted / weights * df, df)
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in s.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}
