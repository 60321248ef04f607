extension Profile {
    /// The rounds of one capture as one profile. One round is returned as it is: no copy of a large
    /// profile's arrays is made just to merge nothing into it. `rounds` must not be empty.
    public static func merged(_ rounds: [Profile]) -> Profile {
        var merged = rounds[0]
        for round in rounds.dropFirst() { merged.merge(round) }
        return merged
    }

    /// Adds every stack of `other` to this profile (names are re-interned; input order is appended).
    /// Nodes new to this profile are added in `other`'s node order, so merging a profile of the input
    /// that follows gives the ids one pass over both would have given. Returns `other`'s node → node.
    ///
    /// `newNamesFrom`: intern `other`'s names from this id on first, in `other`'s order (used or not),
    /// as a reader that read `other`'s input after this one's would have; nil: only the names nodes use.
    @discardableResult
    public mutating func merge(_ other: Profile, newNamesFrom: Int? = nil) -> [Int32] {
        if other.isDifferential { makeDifferential() }
        samplingInterval = Self.mergedInterval(self, other)
        if let first = newNamesFrom, first < other.names.count {
            for id in Int32(first)..<Int32(other.names.count) {
                _ = other.names.withBytes(id) {
                    names.intern($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count)
                }
            }
        }
        var map = [Int32](repeating: 0, count: other.nodeCount)
        var nameMap = [Int32](repeating: -1, count: other.names.count)
        for node in 1..<max(other.nodeCount, 1) {
            let otherName = other.name[node]
            if nameMap[Int(otherName)] < 0 {
                nameMap[Int(otherName)] = other.names.withBytes(otherName) { buf in
                    names.intern(buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, buf.count)
                }
            }
            let mine = child(of: map[Int(other.parent[node])], named: nameMap[Int(otherName)])
            map[node] = mine
            selfWeight[Int(mine)] += other.selfWeight[node]
            if let before = other.selfBefore { selfBefore![Int(mine)] += before[node] }
        }
        if sequence != nil {
            if let seq = other.sequence {
                sequence!.append(contentsOf: seq.map { (map[Int($0.node)], $0.weight) })
            } else {
                for leaf in other.leafNodes() { sequence!.append((map[Int(leaf)], other.selfWeight[Int(leaf)])) }
            }
        }
        return map
    }
}

extension Profile {
    /// The sampling interval of `a` and `b` merged: the merge's weight over both sides' samples, known
    /// only when each side that holds weight knows its own (an empty side adds no samples). Equal
    /// intervals (the rounds of one capture) are kept without summing any weight.
    static func mergedInterval(_ a: Profile, _ b: Profile) -> Double? {
        if a.samplingInterval == b.samplingInterval { return a.samplingInterval }
        let wa = a.totalWeight, wb = b.totalWeight
        if wa == 0 { return b.samplingInterval }
        if wb == 0 { return a.samplingInterval }
        guard let ia = a.samplingInterval, let ib = b.samplingInterval, ia > 0, ib > 0 else { return nil }
        return (wa + wb) / (wa / ia + wb / ib)
    }
}

extension Profile {
    /// Only the stacks that call out of a frame named in `bases`, each cut to start at the innermost
    /// such caller, as inferno's `--base` draws them: samples that end in a base frame itself are left
    /// out, the graph shows what the base calls.
    public func rebased(at bases: Set<String>) -> Profile {
        var baseIDs = Set<Int32>()
        for b in bases { if let id = names.lookup(b) { baseIDs.insert(id) } }
        var out = Profile()
        out.names = names
        out.unit = unit
        if isDifferential { out.makeDifferential() }
        if baseIDs.isEmpty { return out }
        for leaf in leafNodes() {
            let frames = path(leaf)
            guard let cut = frames.dropLast().lastIndex(where: { baseIDs.contains($0) }) else { continue }
            var node: Int32 = 0
            for id in frames[cut...] { node = out.child(of: node, named: id) }
            out.selfWeight[Int(node)] += selfWeight[Int(leaf)]
            if let before = selfBefore { out.selfBefore![Int(node)] += before[Int(leaf)] }
        }
        return out
    }
}
