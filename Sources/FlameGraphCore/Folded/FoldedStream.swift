#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The folded stacks of `FoldedWriter`, byte for byte, produced by a walk of the tree and handed out in
/// pieces — memory stays linear in the tree however deep it is (building every stack's text first, as
/// `FoldedWriter` does, is quadratic in the depth of a chain).
///
/// Byte order without building the texts: among the children of one node, a child's own line has the
/// key `name` and its subtree's lines all start with `name;`. Sorting those keys (a key that is a
/// prefix of another first) and walking in that order yields the lines in the order of their bytes,
/// since no other key can fall between two lines that share the prefix `name;` — as long as no name
/// holds a ';' itself (such a profile falls back to sorting the whole text).
public enum FoldedStream {
    /// Calls `sink` with successive pieces (about `pieceSize` bytes each) of the folded output.
    public static func write(
        _ profile: Profile, pieceSize: Int = 1 << 20, to sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard profile.nodeCount > 1 else { return }
        // A name holding ';' blurs where a frame ends, and the walk's order relies on it: such a
        // profile is sorted whole, as FoldedWriter does (found by ci/fuzz).
        if (0..<profile.names.count).contains(where: { profile.names.bytes(Int32($0)).contains(0x3B) }) {
            try FoldedWriter.write(profile).withUnsafeBytes { try sink($0) }
            return
        }
        let (offsets, children) = profile.childLists()
        let weighted = subtreeHasWeight(profile, offsets: offsets, children: children)
        var out: [UInt8] = []
        out.reserveCapacity(pieceSize + 4096)
        var path: [UInt8] = []

        struct Level {
            /// Sorted entries: (node, isSubtree).
            var entries: [(node: Int32, subtree: Bool)]
            var next = 0
            /// `path.count` when this level was entered.
            var pathLength: Int
        }
        var stack = [Level(entries: entries(of: 0, profile, offsets, children, weighted), pathLength: 0)]
        while !stack.isEmpty {
            let top = stack.count - 1
            guard stack[top].next < stack[top].entries.count else {
                path.removeSubrange(stack[top].pathLength...)
                stack.removeLast()
                continue
            }
            let (node, subtree) = stack[top].entries[stack[top].next]
            stack[top].next += 1
            let n = Int(node)
            if subtree {
                let length = path.count
                path.append(contentsOf: profile.names.bytes(profile.name[n]))
                path.append(0x3B)
                stack.append(
                    Level(entries: entries(of: node, profile, offsets, children, weighted), pathLength: length))
                continue
            }
            out.append(contentsOf: path)
            out.append(contentsOf: profile.names.bytes(profile.name[n]))
            out.append(0x20)
            if let before = profile.selfBefore {
                NumberFormatting.appendWeight(before[n], to: &out)
                out.append(0x20)
            }
            NumberFormatting.appendWeight(profile.selfWeight[n], to: &out)
            out.append(0x0A)
            if out.count >= pieceSize {
                try out.withUnsafeBytes { try sink($0) }
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { try out.withUnsafeBytes { try sink($0) } }
    }

    /// The children of `node` as own-line and subtree entries, in the byte order of their keys.
    private static func entries(
        of node: Int32, _ profile: Profile, _ offsets: [Int], _ children: [Int32], _ weighted: [Bool]
    ) -> [(node: Int32, subtree: Bool)] {
        var list: [(node: Int32, subtree: Bool)] = []
        for c in children[offsets[Int(node)]..<offsets[Int(node) + 1]] {
            let i = Int(c)
            if profile.selfWeight[i] != 0 || (profile.selfBefore?[i] ?? 0) != 0 { list.append((c, false)) }
            if offsets[i + 1] > offsets[i] && weighted[i] { list.append((c, true)) }
        }
        let names = profile.names
        list.sort { a, b in
            let ka = names.bytes(profile.name[Int(a.node)])
            let kb = names.bytes(profile.name[Int(b.node)])
            return ka.withUnsafeBytes { pa in
                kb.withUnsafeBytes { pb in
                    // Keys: name, plus ';' for a subtree.
                    let la = pa.count + (a.subtree ? 1 : 0)
                    let lb = pb.count + (b.subtree ? 1 : 0)
                    let common = min(pa.count, pb.count)
                    if common > 0, let x = pa.baseAddress, let y = pb.baseAddress {
                        let c = memcmp(x, y, common)
                        if c != 0 { return c < 0 }
                    }
                    // Equal over `common`: compare the next byte of each key, if any.
                    let nextA: Int = pa.count > common ? Int(pa[common]) : (a.subtree && la > common ? 0x3B : -1)
                    let nextB: Int = pb.count > common ? Int(pb[common]) : (b.subtree && lb > common ? 0x3B : -1)
                    if nextA != nextB { return nextA < nextB }
                    return la < lb
                }
            }
        }
        return list
    }

    /// Whether each node's subtree (below it) holds any weight: empty subtrees are not walked.
    private static func subtreeHasWeight(_ profile: Profile, offsets: [Int], children: [Int32]) -> [Bool] {
        var below = [Bool](repeating: false, count: profile.nodeCount)
        // Children have larger indices than their parents: one reverse pass reaches every ancestor.
        for n in stride(from: profile.nodeCount - 1, through: 1, by: -1) {
            let own = profile.selfWeight[n] != 0 || (profile.selfBefore?[n] ?? 0) != 0
            if own || below[n] { below[Int(profile.parent[n])] = true }
        }
        return below
    }
}
