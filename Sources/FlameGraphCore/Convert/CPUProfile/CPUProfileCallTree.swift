/// The .cpuprofile call tree: parents resolved and checked for cycles, then built into a profile.
extension CPUProfileDecoder {
    /// Nodes with parents resolved to indices and checked for cycles.
    struct Tree {
        var index: [Int: Int] = [:]
        var parent: [Int]
        var names: [String]
        /// Node is the synthetic `(root)` (not a frame).
        var isRoot: [Bool]
        /// Node is dropped with everything under it (`dropIdle`).
        var isDropped: [Bool]
        var hitCounts: [Double]
        var count: Int { parent.count }

        init(nodes: [RawNode], options: CPUProfileOptions, fail: (String) -> FlameGraphError) throws {
            let n = nodes.count
            index.reserveCapacity(n)
            for (k, node) in nodes.enumerated() {
                if index.updateValue(k, forKey: node.id) != nil { throw fail("node id \(node.id) appears twice") }
            }
            var parent = [Int](repeating: -1, count: n)
            func link(_ child: Int, to p: Int) throws {
                let old = parent[child]
                if old >= 0 && old != p {
                    throw fail(
                        "node id \(nodes[child].id) has two parents (node ids \(nodes[old].id) and \(nodes[p].id))")
                }
                parent[child] = p
            }
            for (k, node) in nodes.enumerated() {
                for c in node.children {
                    guard let ci = index[c] else { throw fail("node id \(node.id) lists unknown child id \(c)") }
                    try link(ci, to: k)
                }
                if let p = node.parent {
                    guard let pi = index[p] else { throw fail("node id \(node.id) names unknown parent id \(p)") }
                    try link(k, to: pi)
                }
            }
            // Cycles: walk up from every node; meeting a node of the current walk is a cycle.
            var state = [UInt8](repeating: 0, count: n)  // 0 unseen, 1 on the current walk, 2 done
            var walk: [Int] = []
            for start in 0..<n where state[start] == 0 {
                walk.removeAll(keepingCapacity: true)
                var k = start
                while k >= 0 && state[k] == 0 {
                    state[k] = 1
                    walk.append(k)
                    k = parent[k]
                }
                if k >= 0 && state[k] == 1 { throw fail("cycle in parent links at node id \(nodes[k].id)") }
                for w in walk { state[w] = 2 }
            }
            self.parent = parent
            names = []
            names.reserveCapacity(n)
            isRoot = []
            isRoot.reserveCapacity(n)
            isDropped = []
            isDropped.reserveCapacity(n)
            hitCounts = nodes.map(\.hitCount)
            for (k, node) in nodes.enumerated() {
                let native = node.url.isEmpty
                isRoot.append(native && parent[k] < 0 && node.functionName == "(root)")
                isDropped.append(
                    options.dropIdle && native
                        && (node.functionName == "(idle)" || node.functionName == "(program)"
                            || node.functionName == "(garbage collector)")
                )
                names.append(CPUProfileDecoder.frameName(node))
            }
        }
    }

    /// Maps tree nodes to profile nodes on demand, so that only sampled paths become frames.
    struct TrieBuilder {
        let tree: Tree
        /// Profile node of each tree node: -2 not yet known, -1 dropped.
        var trie: [Int32]
        var pending: [Int] = []

        init(tree: Tree) {
            self.tree = tree
            trie = [Int32](repeating: -2, count: tree.count)
        }

        /// The profile node for tree node `k` (0 for the synthetic root), nil when dropped.
        mutating func trieNode(_ k: Int, in profile: inout Profile) -> Int32? {
            if trie[k] == -2 {
                pending.removeAll(keepingCapacity: true)
                var j = k
                while j >= 0 && trie[j] == -2 {
                    pending.append(j)
                    j = tree.parent[j]
                }
                var base: Int32 = j >= 0 ? trie[j] : 0
                for w in pending.reversed() {
                    if base >= 0 && !tree.isDropped[w] {
                        if !tree.isRoot[w] {
                            base = profile.child(of: base, named: profile.names.intern(tree.names[w]))
                        }
                    } else {
                        base = -1
                    }
                    trie[w] = base
                }
            }
            let t = trie[k]
            return t >= 0 ? t : nil
        }
    }

    /// `function (file:line)`, see the type's documentation.
    static func frameName(_ node: RawNode) -> String {
        let function = node.functionName.isEmpty ? "(anonymous)" : node.functionName
        guard !node.url.isEmpty else { return JSONImport.foldedSafe(function) }
        let file = JSONImport.baseName(node.url)
        let location = node.lineNumber >= 0 ? "\(file):\(node.lineNumber + 1)" : file
        return JSONImport.foldedSafe("\(function) (\(location))")
    }
}
