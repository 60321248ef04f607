/// Per-function totals of one profile: *self* (samples where the function is the leaf) and *total*
/// (samples with the function anywhere on the stack, counted once per sample even under recursion).
public struct FrameTotals: Sendable {
    public var selfWeight: [String: Double] = [:]
    public var totalWeight: [String: Double] = [:]
    /// All samples.
    public var total: Double = 0
    /// The weight of one sample, to turn weights into sample counts for the tests (1 for sample
    /// counts; for time or bytes, the smallest stack weight — one sample's period).
    public var sampleUnit: Double = 1

    public init() {}

    public init(_ profile: Profile) {
        let inclusive = profile.inclusiveWeights()
        total = inclusive[0]
        let (offsets, children) = profile.childLists()
        var active = [Int32](repeating: 0, count: profile.names.count)
        var selfByName = [Double](repeating: 0, count: profile.names.count)
        var totalByName = [Double](repeating: 0, count: profile.names.count)
        // Iterative DFS; a negative entry means "leave this node".
        var stack: [Int32] = []
        for c in children[offsets[0]..<offsets[1]] { stack.append(c) }
        while let entry = stack.popLast() {
            if entry < 0 {
                active[Int(profile.name[Int(-entry)])] -= 1
                continue
            }
            let node = Int(entry)
            let id = Int(profile.name[node])
            if active[id] == 0 { totalByName[id] += inclusive[node] }
            selfByName[id] += profile.selfWeight[node]
            active[id] += 1
            stack.append(-entry)
            for c in children[offsets[node]..<offsets[node + 1]] { stack.append(c) }
        }
        for id in 0..<profile.names.count where totalByName[id] != 0 || selfByName[id] != 0 {
            let name = profile.names.string(Int32(id))
            selfWeight[name, default: 0] += selfByName[id]
            totalWeight[name, default: 0] += totalByName[id]
        }
        switch profile.unit {
        case .samples, .count:
            sampleUnit = 1
        default:
            let smallest = profile.selfWeight.lazy.filter { $0 > 0 }.min() ?? 1
            sampleUnit = smallest
        }
    }
}
