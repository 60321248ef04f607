extension Profile {
    /// Adds every stack of `other` to this profile (names are re-interned; input order is appended).
    public mutating func merge(_ other: Profile) {
        if other.isDifferential { makeDifferential() }
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
    }
}
