/// The two-column folded form (`stack BEFORE AFTER`), as inferno-diff-folded and difffolded.pl write it:
/// every stack of either input, with its count on each side (0 where absent).
public enum DiffFolded {
    public struct Options: Sendable {
        /// Scale the before counts so both sides have the same total (`-n`).
        public var normalize = false
        /// Replace hex numbers (`0x7f…`) with `0x...` before matching stacks (`-s`).
        public var stripHex = false
        public init(normalize: Bool = false, stripHex: Bool = false) {
            self.normalize = normalize
            self.stripHex = stripHex
        }
    }

    /// Builds the two-column profile. Counts are truncated to integers, as inferno-diff-folded does
    /// (`fractional` tells whether any was), so the output reads back into every peer.
    public static func build(before: [Profile], after: [Profile], options: Options) -> (Profile, fractional: Bool) {
        var beforeSide = Profile()
        var afterSide = Profile()
        for p in before { beforeSide.merge(options.stripHex ? stripped(p) : p) }
        for p in after { afterSide.merge(options.stripHex ? stripped(p) : p) }
        var fractional = false
        func truncate(_ w: [Double]) -> [Double] {
            w.map { v in
                let t = v.rounded(.towardZero)
                if t != v { fractional = true }
                return t
            }
        }
        beforeSide.selfWeight = truncate(beforeSide.selfWeight)
        afterSide.selfWeight = truncate(afterSide.selfWeight)
        if options.normalize {
            let tb = beforeSide.totalWeight, ta = afterSide.totalWeight
            if tb > 0 {
                beforeSide.selfWeight = beforeSide.selfWeight.map { ($0 * ta / tb).rounded(.towardZero) }
            }
        }
        var combined = Profile()
        combined.makeDifferential()
        combined.merge(afterSide)
        beforeSide.selfBefore = beforeSide.selfWeight
        beforeSide.selfWeight = [Double](repeating: 0, count: beforeSide.nodeCount)
        combined.merge(beforeSide)
        return (combined, fractional)
    }

    /// A copy with `0x…` hex numbers in frame names replaced by `0x...`.
    static func stripped(_ p: Profile) -> Profile {
        var out = Profile()
        out.unit = p.unit
        var map = [Int32](repeating: 0, count: p.nodeCount)
        for node in 1..<max(p.nodeCount, 1) {
            let name = String(
                String.UnicodeScalarView(FrameNormalizer.replaceHex(Array(p.names.string(p.name[node]).unicodeScalars)))
            )
            let mine = out.child(of: map[Int(p.parent[node])], named: out.names.intern(name))
            map[node] = mine
            out.selfWeight[Int(mine)] += p.selfWeight[node]
        }
        return out
    }
}
