/// One box of a flame graph, in weight units (not pixels): the renderer scales them.
public struct LaidOutFrame: Sendable, Equatable {
    /// The profile node drawn (0 for the "all" root).
    public var node: Int32
    /// 0 for the root, 1 for its children, …
    public var depth: Int
    /// Offset from the left edge and width, in weight units.
    public var start: Double
    public var width: Double
    /// For differential input: the frame's own (leaf) before and after weights, as the peers colour by.
    public var selfBefore: Double
    public var selfAfter: Double
}

/// The geometry of a flame graph: which frames are drawn, where, and how wide.
public struct FlameLayout: Sendable {
    public var frames: [LaidOutFrame]
    public var total: Double
    public var maxDepth: Int
}

public enum FlameLayoutBuilder {
    /// Lays out `profile` as a flame graph: siblings in the order sorted folded lines would give them
    /// (so offsets match inferno's and flamegraph.pl's), widths inclusive, frames narrower than
    /// `minWidth` weight units dropped with their descendants.
    public static func layout(_ profile: Profile, minWidth: Double) -> FlameLayout {
        let inclusive = profile.inclusiveWeights()
        let total = inclusive[0]
        let (offsets, children) = profile.childLists()
        var frames: [LaidOutFrame] = []
        frames.reserveCapacity(profile.nodeCount)
        frames.append(
            LaidOutFrame(
                node: 0, depth: 0, start: 0, width: total, selfBefore: profile.selfBefore?[0] ?? 0,
                selfAfter: profile.selfWeight[0]))
        var maxDepth = 0
        // Iterative pre-order walk: (node, start).
        var stack: [(Int32, Double)] = []
        var sorted: [Int32] = []
        func pushChildren(of node: Int32, start: Double) {
            sorted.removeAll(keepingCapacity: true)
            sorted.append(contentsOf: children[offsets[Int(node)]..<offsets[Int(node) + 1]])
            if sorted.count > 1 { sorted.sort { siblingOrder(profile, $0, $1) } }
            // A stack ending here sorts before the longer ones through it, so self time comes first.
            var x = start + profile.selfWeight[Int(node)]
            var placed: [(Int32, Double)] = []
            for child in sorted {
                let w = inclusive[Int(child)]
                if w > 0 || (profile.selfBefore != nil && w >= 0) { placed.append((child, x)) }
                x += w
            }
            stack.append(contentsOf: placed.reversed())
        }
        pushChildren(of: 0, start: 0)
        while let (node, start) = stack.popLast() {
            let w = inclusive[Int(node)]
            if w < minWidth || w <= 0 { continue }
            let d = Int(profile.depth[Int(node)])
            maxDepth = max(maxDepth, d)
            frames.append(
                LaidOutFrame(
                    node: node, depth: d, start: start, width: w, selfBefore: profile.selfBefore?[Int(node)] ?? 0,
                    selfAfter: profile.selfWeight[Int(node)]))
            pushChildren(of: node, start: start)
        }
        return FlameLayout(frames: frames, total: total, maxDepth: maxDepth)
    }

    /// Lays out `profile.sequence` as a flame chart: stacks stay in input order, and only consecutive
    /// stacks that share a prefix share boxes. Like both peers, the input is read last line first
    /// (collapsers write the newest sample first), so time runs left to right.
    public static func flameChart(_ profile: Profile, minWidth: Double) -> FlameLayout {
        let sequence = profile.sequence ?? profile.leafNodes().map { ($0, profile.selfWeight[Int($0)]) }
        var frames: [LaidOutFrame] = []
        var open: [(node: Int32, start: Double, selfAfter: Double)] = []
        var time = 0.0
        var maxDepth = 0
        func close(downTo keep: Int) {
            while open.count > keep {
                let f = open.removeLast()
                let w = time - f.start
                if w >= minWidth && w > 0 {
                    frames.append(
                        LaidOutFrame(
                            node: f.node, depth: open.count + 1, start: f.start, width: w, selfBefore: 0,
                            selfAfter: f.selfAfter))
                    maxDepth = max(maxDepth, open.count + 1)
                }
            }
        }
        var path: [Int32] = []
        for (leaf, weight) in sequence.reversed() {
            path.removeAll(keepingCapacity: true)
            var n = leaf
            while n > 0 {
                path.append(n)
                n = profile.parent[Int(n)]
            }
            path.reverse()
            var common = 0
            while common < open.count && common < path.count && open[common].node == path[common] { common += 1 }
            close(downTo: common)
            for node in path[common...] { open.append((node, time, 0)) }
            if !open.isEmpty { open[open.count - 1].selfAfter += weight }
            time += weight
        }
        close(downTo: 0)
        // Parents close after their children; draw parents first.
        frames.reverse()
        frames.insert(
            LaidOutFrame(node: 0, depth: 0, start: 0, width: time, selfBefore: 0, selfAfter: 0), at: 0)
        return FlameLayout(frames: frames, total: time, maxDepth: maxDepth)
    }

    /// Sibling order of sorted folded lines: by name bytes, where a name that is a prefix of its
    /// sibling's compares its terminator — `' '` when a stack ends at it, else `';'` — with the
    /// sibling's next byte.
    static func siblingOrder(_ profile: Profile, _ a: Int32, _ b: Int32) -> Bool {
        let na = profile.name[Int(a)], nb = profile.name[Int(b)]
        return profile.names.withBytes(na) { x in
            profile.names.withBytes(nb) { y in
                let m = min(x.count, y.count)
                var i = 0
                while i < m {
                    if x[i] != y[i] { return x[i] < y[i] }
                    i += 1
                }
                if x.count == y.count { return a < b }
                let endsA = profile.selfWeight[Int(a)] != 0 || (profile.selfBefore?[Int(a)] ?? 0) != 0
                let endsB = profile.selfWeight[Int(b)] != 0 || (profile.selfBefore?[Int(b)] ?? 0) != 0
                if x.count < y.count {
                    let term: UInt8 = endsA ? 0x20 : 0x3B
                    return term < y[m] || (term == y[m] && true)
                } else {
                    let term: UInt8 = endsB ? 0x20 : 0x3B
                    return x[m] < term
                }
            }
        }
    }
}
