/// What a weight counts. Carried from the importer to labels, reports and diffs.
public enum WeightUnit: String, Sendable, Codable, CaseIterable {
    case samples
    case nanoseconds
    case microseconds
    case bytes
    case count

    /// The unit as tooltips and reports name it ("samples", "ns", "us", "bytes").
    public var countName: String {
        switch self {
        case .samples, .count: return "samples"
        case .nanoseconds: return "ns"
        case .microseconds: return "us"
        case .bytes: return "bytes"
        }
    }
}

/// The one in-memory model: weighted stacks, merged into a tree of frames.
///
/// Node 0 is the root (no frame). Every other node is one frame reached through one path from the
/// root; its *self* weight is the weight of stacks that end there. Everything — SVG, diffs, reports,
/// folded output — is computed from this. Weights are `Double` so fractional counts (FlameGraph keeps
/// them) and scaled ones (`--factor`) need no second code path; integers are exact up to 2^53.
public struct Profile: Sendable {
    public var names = FrameNames()
    /// Parent node of each node (`-1` for the root).
    public private(set) var parent: [Int32] = [-1]
    /// Name id of each node (`-1` for the root).
    public private(set) var name: [Int32] = [-1]
    /// Depth of each node: the root is 0, its children 1.
    public private(set) var depth: [Int32] = [0]
    /// Weight of the stacks that end at each node.
    public var selfWeight: [Double] = [0]
    /// For a differential profile (`stack before after` input): the *before* self weight of each node;
    /// `selfWeight` then holds *after*. `nil` for an ordinary profile.
    public var selfBefore: [Double]? = nil
    /// The stacks in input order (leaf node, weight), kept only when asked for (flame charts).
    public var sequence: [(node: Int32, weight: Double)]? = nil
    public var unit: WeightUnit = .samples
    /// The weight of one sample in `unit` (e.g. 1000 for a 1 ms interval in microseconds), when the
    /// format says so; the gate turns weights into sample counts with it. `nil`: not known.
    public var samplingInterval: Double? = nil

    /// The child each node handed out last: stacks repeat, so the next walk through a node usually
    /// wants the same child, found without hashing.
    private var lastChild: [Int32] = [-1]
    /// (parent << 32 | name) → child node, open addressing; size is a power of two.
    private var childKeys: [UInt64] = Array(repeating: .max, count: 1024)
    private var childValues: [Int32] = Array(repeating: -1, count: 1024)

    public init() {}

    /// The number of nodes, root included.
    public var nodeCount: Int { parent.count }

    public var isDifferential: Bool { selfBefore != nil }

    /// The child of `node` named `nameID`, created if missing.
    @inline(__always)
    public mutating func child(of node: Int32, named nameID: Int32) -> Int32 {
        let last = lastChild[Int(node)]
        if last >= 0 && name[Int(last)] == nameID { return last }
        let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(UInt32(bitPattern: nameID))
        var mask = childKeys.count - 1
        var slot = Int(truncatingIfNeeded: mix64(key)) & mask
        while true {
            let k = childKeys[slot]
            if k == key {
                lastChild[Int(node)] = childValues[slot]
                return childValues[slot]
            }
            if k == .max { break }
            slot = (slot + 1) & mask
        }
        let id = Int32(parent.count)
        lastChild[Int(node)] = id
        lastChild.append(-1)
        parent.append(node)
        name.append(nameID)
        depth.append(depth[Int(node)] + 1)
        selfWeight.append(0)
        if selfBefore != nil { selfBefore!.append(0) }
        if parent.count * 2 > childKeys.count {
            growChildTable()
            mask = childKeys.count - 1
            slot = Int(truncatingIfNeeded: mix64(key)) & mask
            while childKeys[slot] != .max { slot = (slot + 1) & mask }
        }
        childKeys[slot] = key
        childValues[slot] = id
        return id
    }

    /// The child of `node` named `nameID`, if there is one.
    public func existingChild(of node: Int32, named nameID: Int32) -> Int32? {
        let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(UInt32(bitPattern: nameID))
        let mask = childKeys.count - 1
        var slot = Int(truncatingIfNeeded: mix64(key)) & mask
        while true {
            let k = childKeys[slot]
            if k == key { return childValues[slot] }
            if k == .max { return nil }
            slot = (slot + 1) & mask
        }
    }

    private mutating func growChildTable() {
        let size = childKeys.count * 2
        var keys = [UInt64](repeating: .max, count: size)
        var values = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for node in 1..<parent.count - 1 {
            let key = UInt64(UInt32(bitPattern: parent[node])) << 32 | UInt64(UInt32(bitPattern: name[node]))
            var slot = Int(truncatingIfNeeded: mix64(key)) & mask
            while keys[slot] != .max { slot = (slot + 1) & mask }
            keys[slot] = key
            values[slot] = Int32(node)
        }
        childKeys = keys
        childValues = values
    }

    /// Removes every stack, keeping the names (a reader reusing its name cache starts over with it).
    public mutating func removeAllStacks() {
        parent = [-1]
        name = [-1]
        lastChild = [-1]
        depth = [0]
        selfWeight = [0]
        selfBefore = nil
        if sequence != nil { sequence = [] }
        childKeys = Array(repeating: .max, count: 1024)
        childValues = Array(repeating: -1, count: 1024)
    }

    /// Makes this a differential profile (all *before* weights 0 so far).
    public mutating func makeDifferential() {
        if selfBefore == nil { selfBefore = [Double](repeating: 0, count: nodeCount) }
    }

    /// Adds a stack given as name ids, root first.
    public mutating func add(stack: [Int32], weight: Double, before: Double? = nil) {
        var node: Int32 = 0
        for id in stack { node = child(of: node, named: id) }
        addWeight(at: node, weight, before: before)
    }

    /// Adds a stack given as frame names, root first.
    public mutating func add(frames: [String], weight: Double, before: Double? = nil) {
        var node: Int32 = 0
        for frame in frames { node = child(of: node, named: names.intern(frame)) }
        addWeight(at: node, weight, before: before)
    }

    /// Adds weight to the stack ending at `node`.
    @inline(__always)
    public mutating func addWeight(at node: Int32, _ weight: Double, before: Double? = nil) {
        selfWeight[Int(node)] += weight
        if let before {
            makeDifferential()
            selfBefore![Int(node)] += before
        }
        if sequence != nil { sequence!.append((node, weight)) }
    }

    /// Total weight of all stacks.
    public var totalWeight: Double { selfWeight.reduce(0, +) }

    /// Inclusive weight of every node (its own plus its descendants'), from `weights`.
    public func inclusive(_ weights: [Double]) -> [Double] {
        var total = weights
        // Children always have larger ids than their parents, so one backward pass suffices.
        var node = nodeCount - 1
        while node > 0 {
            total[Int(parent[node])] += total[node]
            node -= 1
        }
        return total
    }

    /// Inclusive weight of every node.
    public func inclusiveWeights() -> [Double] { inclusive(selfWeight) }

    /// The frames of the stack ending at `node`, root first, as name ids.
    public func path(_ node: Int32) -> [Int32] {
        var out: [Int32] = []
        var n = node
        while n > 0 {
            out.append(name[Int(n)])
            n = parent[Int(n)]
        }
        return out.reversed()
    }

    /// The frames of the stack ending at `node`, root first.
    public func frames(_ node: Int32) -> [String] { path(node).map(names.string) }

    /// Children of every node, for walking the tree top-down (compressed: `children[offsets[n]..<offsets[n+1]]`).
    public func childLists() -> (offsets: [Int], children: [Int32]) {
        var counts = [Int](repeating: 0, count: nodeCount + 1)
        for node in 1..<max(nodeCount, 1) { counts[Int(parent[node]) + 1] += 1 }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        var fill = counts
        var children = [Int32](repeating: 0, count: max(nodeCount - 1, 0))
        for node in 1..<max(nodeCount, 1) {
            let p = Int(parent[node])
            children[fill[p]] = Int32(node)
            fill[p] += 1
        }
        return (counts, children)
    }

    /// Stacks with a non-zero weight (either side, for a differential profile), as leaf nodes.
    public func leafNodes() -> [Int32] {
        var out: [Int32] = []
        for node in 1..<max(nodeCount, 1)
        where selfWeight[node] != 0 || (selfBefore?[node] ?? 0) != 0 {
            out.append(Int32(node))
        }
        return out
    }

    /// A copy with every stack reversed (leaf first), as flamegraph.pl's `--reverse` draws.
    public func reversed() -> Profile {
        var out = Profile()
        out.names = names
        out.unit = unit
        if selfBefore != nil { out.makeDifferential() }
        for leaf in leafNodes() {
            var node: Int32 = 0
            var n = leaf
            while n > 0 {
                node = out.child(of: node, named: name[Int(n)])
                n = parent[Int(n)]
            }
            out.selfWeight[Int(node)] += selfWeight[Int(leaf)]
            if let before = selfBefore { out.selfBefore![Int(node)] += before[Int(leaf)] }
        }
        return out
    }

    /// A copy with every weight multiplied by `factor`.
    public func scaled(by factor: Double) -> Profile {
        var out = self
        out.selfWeight = selfWeight.map { $0 * factor }
        out.selfBefore = selfBefore?.map { $0 * factor }
        out.sequence = sequence?.map { ($0.node, $0.weight * factor) }
        return out
    }
}
