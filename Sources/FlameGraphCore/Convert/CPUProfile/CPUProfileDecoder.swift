/// Options for reading a V8 `.cpuprofile`.
public struct CPUProfileOptions: Sendable {
    /// Weigh each sample by the time it stands for (microseconds, from `timeDeltas`) instead of
    /// counting it once.
    public var weightByTime = false
    /// Leave out samples in `(idle)`, `(program)` and `(garbage collector)` (and anything under them).
    public var dropIdle = false
    /// Keep the samples in time order in `Profile.sequence` (flame charts).
    public var keepSequence = false

    public init(weightByTime: Bool = false, dropIdle: Bool = false, keepSequence: Bool = false) {
        self.weightByTime = weightByTime
        self.dropIdle = dropIdle
        self.keepSequence = keepSequence
    }
}

/// Reads V8 CPU profiles: Node's `--cpu-prof` output, Chrome DevTools' saved profiles and the result
/// of the DevTools protocol's `Profiler.stop` (`{"profile": {…}}`, also inside `{"result": …}`), Deno's
/// and Bun's. Only bytes in, a profile out.
///
/// The file is a call tree — `nodes[]`, each `{id, callFrame{functionName, url, lineNumber, …},
/// children[ids] and/or parent, hitCount}` — plus `samples[]` (the node id of every sample's leaf, in
/// time order) and `timeDeltas[]` (`timeDeltas[i]` = microseconds from the previous sample, or from
/// `startTime` for the first, to sample `i`). The old nested form with a `head` node is read too.
///
/// Frames are named `function (file:line)`: `file` is the last path component of the script URL (the
/// URL itself when it has none, e.g. `node:fs`), `line` is 1-based, and an empty function name reads
/// `(anonymous)`. Frames without a URL are just their name: `(program)`, `(garbage collector)`,
/// `(idle)`, native functions. The synthetic `(root)` node at the top is not a frame. Names are made
/// folded-safe: `;` becomes `:`, line breaks become spaces.
///
/// Weights: each sample counts 1 (unit `.samples`). With `weightByTime`, a sample weighs the time until
/// the *next* sample — `timeDeltas[i + 1]`, Chrome's convention — in microseconds; the last sample
/// weighs the time until the profile's `endTime` (or, when `endTime` is missing or before it, the mean
/// sampling interval). So the total is `endTime` minus the first sample's time: only the gap between
/// `startTime` and the first sample is not attributed. V8 can record a sample slightly out of order
/// (a negative delta): samples are then taken in timestamp order, with a warning. Without `samples`,
/// each node's `hitCount` is used.
public enum CPUProfileDecoder {
    /// Deltas larger than this (about 11.6 days in microseconds) are taken for corrupt data.
    static let maxDelta: Double = 1e12

    static let traceEventsHint =
        "this is a Chrome trace (trace events), not a CPU profile: save one from the JavaScript profiler, or use Node's --cpu-prof"

    public static func decode(_ bytes: [UInt8], sourceName: String, options: CPUProfileOptions) throws
        -> (Profile, Diagnostics)
    {
        func fail(_ what: String) -> FlameGraphError {
            FlameGraphError(.badInput, "\(sourceName): cpuprofile: \(what)")
        }
        let document: JSONImport.Value
        do {
            document = try JSONImport.parse(bytes)
        } catch {
            throw fail("malformed JSON: \(error.description)")
        }
        guard var top = document.object else {
            if case .array(let events, _) = document, events.first?.object?["ph"] != nil {
                throw fail(traceEventsHint)
            }
            throw fail("the top level is \(document.kindName), not an object (not a V8 CPU profile?)")
        }
        if top["traceEvents"] != nil && top["nodes"] == nil {
            throw fail(traceEventsHint)
        }
        // A DevTools protocol response: {"profile": {...}} or {"id": 1, "result": {"profile": {...}}}.
        if top["nodes"] == nil && top["head"] == nil {
            if let inner = top["profile"]?.object {
                top = inner
            } else if let inner = top["result"]?.object?["profile"]?.object {
                top = inner
            }
        }
        var diagnostics = Diagnostics()
        let nodes = try readNodes(top, fail: fail)
        let tree = try Tree(nodes: nodes, options: options, fail: fail)
        var profile = Profile()
        if options.keepSequence { profile.sequence = [] }
        var builder = TrieBuilder(tree: tree)
        if let samples = try readSamples(top, fail: fail), !samples.isEmpty {
            try fromSamples(
                samples, top: top, tree: tree, builder: &builder, profile: &profile, diagnostics: &diagnostics,
                options: options, sourceName: sourceName, fail: fail)
        } else {
            try fromHitCounts(
                tree: tree, builder: &builder, profile: &profile, diagnostics: &diagnostics, options: options,
                sourceName: sourceName, fail: fail)
        }
        return (profile, diagnostics)
    }

    /// One weight per entry of `samples`, in timestamp order.
    private static func fromSamples(
        _ samples: [Double], top: JSONImport.Object, tree: Tree, builder: inout TrieBuilder, profile: inout Profile,
        diagnostics: inout Diagnostics, options: CPUProfileOptions, sourceName: String,
        fail: (String) -> FlameGraphError
    ) throws {
        // Map sample ids to node indices once.
        var leaf = [Int32](repeating: 0, count: samples.count)
        for (k, s) in samples.enumerated() {
            guard JSONImport.isExactInteger(s), let index = tree.index[Int(s)] else {
                throw fail("sample \(k) references unknown node id \(JSONImport.describe(s))")
            }
            leaf[k] = Int32(index)
        }
        let deltas = try readDeltas(top, count: samples.count, required: options.weightByTime, fail: fail)
        var order: [Int]? = nil
        var weights: [Double]? = nil
        if let deltas {
            var relative: [Double] = []
            relative.reserveCapacity(deltas.count)
            var t = 0.0
            var negative = 0
            for d in deltas {
                if d < 0 { negative += 1 }
                t += d
                relative.append(t)
            }
            if negative > 0 {
                // Stable: equal timestamps keep file order.
                order = relative.indices.sorted {
                    relative[$0] != relative[$1] ? relative[$0] < relative[$1] : $0 < $1
                }
                diagnostics.warn(
                    "\(sourceName): cpuprofile: \(negative) samples were recorded out of order (negative timeDeltas); read in timestamp order"
                )
            }
            if options.weightByTime {
                weights = try timeWeights(relative, order: order, top: top, fail: fail)
                profile.unit = .microseconds
            }
        } else if options.weightByTime {
            diagnostics.warn(
                "\(sourceName): cpuprofile: no timeDeltas to weigh samples by time; counting samples instead")
        }
        var added = 0
        var inRoot = 0
        for p in 0..<samples.count {
            let k = order?[p] ?? p
            guard let node = builder.trieNode(Int(leaf[k]), in: &profile) else { continue }  // dropped
            if node == 0 {
                inRoot += 1
                continue
            }
            profile.addWeight(at: node, weights?[k] ?? 1)
            added += 1
        }
        if inRoot > 0 {
            diagnostics.warn("\(sourceName): cpuprofile: \(inRoot) samples in the (root) node itself were left out")
        }
        if added == 0 {
            throw fail(options.dropIdle ? "no samples left after dropping idle time" : "the profile holds no samples")
        }
    }

    /// Counts from each node's `hitCount` (no `samples` array): unit `.samples`, no time order.
    private static func fromHitCounts(
        tree: Tree, builder: inout TrieBuilder, profile: inout Profile, diagnostics: inout Diagnostics,
        options: CPUProfileOptions, sourceName: String, fail: (String) -> FlameGraphError
    ) throws {
        if options.weightByTime {
            diagnostics.warn("\(sourceName): cpuprofile: no samples to weigh by time; using hitCount sample counts")
        }
        profile.unit = .samples
        var any = false
        var anyHits = false
        for k in 0..<tree.count where tree.hitCounts[k] > 0 {
            anyHits = true
            guard let node = builder.trieNode(k, in: &profile), node != 0 else { continue }
            profile.addWeight(at: node, tree.hitCounts[k])
            any = true
        }
        if !anyHits { throw fail("the profile holds no samples (no samples, and every hitCount is 0)") }
        if !any {
            throw fail(options.dropIdle ? "no samples left after dropping idle time" : "the profile holds no samples")
        }
    }

    // MARK: - Reading the arrays

    /// One node as read from the file (`parent` is an id, resolved later).
    struct RawNode {
        var id: Int
        var functionName: String
        var url: String
        var lineNumber: Int
        var children: [Int]
        var parent: Int?
        var hitCount: Double
    }

    private static func readNodes(_ top: JSONImport.Object, fail: (String) -> FlameGraphError) throws -> [RawNode] {
        if let list = top["nodes"] {
            guard let items = list.array else { throw fail("\"nodes\" is \(list.kindName), not an array") }
            var out: [RawNode] = []
            out.reserveCapacity(items.count)
            for (k, item) in items.enumerated() {
                out.append(try readNode(item, position: "nodes[\(k)]", fail: fail))
            }
            return out
        }
        if let head = top["head"] {
            // The old nested form: every node holds its children as objects.
            var out: [RawNode] = []
            var pending: [(JSONImport.Value, parent: Int?, path: String)] = [(head, nil, "head")]
            while let (item, parent, path) = pending.popLast() {
                var node = try readNode(item, position: path, nested: true, fail: fail)
                node.parent = parent
                if let kids = item.object?["children"]?.array {
                    for (c, kid) in kids.enumerated().reversed() {
                        pending.append((kid, node.id, path + ".children[\(c)]"))
                    }
                }
                node.children = []
                out.append(node)
            }
            return out
        }
        throw fail("no \"nodes\" array (not a V8 CPU profile?)")
    }

    private static func integer(
        _ value: JSONImport.Value?, _ what: String, min: Double, max: Double = 9_007_199_254_740_992,
        fail: (String) -> FlameGraphError
    ) throws -> Int? {
        guard let value else { return nil }
        guard let d = value.number else { throw fail("\(what) is \(value.kindName), not a number") }
        guard JSONImport.isExactInteger(d) else { throw fail("\(what) is \(JSONImport.describe(d)), not an integer") }
        guard d >= min, d <= max else { throw fail("\(what) is out of range (\(JSONImport.describe(d)))") }
        return Int(d)
    }

    private static func readNode(
        _ item: JSONImport.Value, position: String, nested: Bool = false, fail: (String) -> FlameGraphError
    ) throws -> RawNode {
        guard let o = item.object else { throw fail("\(position) is \(item.kindName), not an object") }
        guard let id = try integer(o["id"], "\(position).id", min: 0, fail: fail) else {
            throw fail("\(position) has no id")
        }
        let label = "node id \(id)"
        var functionName = ""
        var url = ""
        var line = -1
        let frame: JSONImport.Object?
        if let cf = o["callFrame"] {
            guard let f = cf.object else { throw fail("\(label): callFrame is \(cf.kindName), not an object") }
            frame = f
        } else if nested || o["functionName"] != nil {
            frame = o  // old form: call frame fields on the node itself
        } else {
            throw fail("\(label) has no callFrame")
        }
        if let frame {
            // null reads as absent.
            func field(_ key: String) -> JSONImport.Value? {
                if let v = frame[key], case .null = v { return nil }
                return frame[key]
            }
            if let v = field("functionName") {
                guard let s = v.string else { throw fail("\(label): functionName is \(v.kindName), not a string") }
                functionName = s
            }
            if let v = field("url") {
                guard let s = v.string else { throw fail("\(label): url is \(v.kindName), not a string") }
                url = s
            }
            line =
                try integer(field("lineNumber"), "\(label): lineNumber", min: -1, max: 2_147_483_647, fail: fail) ?? -1
        }
        var children: [Int] = []
        if !nested, let v = o["children"] {
            guard let ids = v.numbers else { throw fail("\(label): children is not an array of node ids") }
            children.reserveCapacity(ids.count)
            for c in ids {
                guard JSONImport.isExactInteger(c), c >= 0 else {
                    throw fail("\(label) lists an invalid child id \(JSONImport.describe(c))")
                }
                children.append(Int(c))
            }
        }
        let parent = nested ? nil : try integer(o["parent"], "\(label): parent", min: 0, fail: fail)
        var hitCount = 0.0
        if let v = o["hitCount"] {
            guard let d = v.number, JSONImport.isExactInteger(d), d >= 0 else {
                throw fail("\(label): hitCount is not a non-negative integer")
            }
            hitCount = d
        }
        return RawNode(
            id: id, functionName: functionName, url: url, lineNumber: line, children: children, parent: parent,
            hitCount: hitCount)
    }

    private static func readSamples(_ top: JSONImport.Object, fail: (String) -> FlameGraphError) throws -> [Double]? {
        guard let v = top["samples"] else { return nil }
        if case .null = v { return nil }
        guard let s = v.numbers else { throw fail("\"samples\" is not an array of node ids") }
        return s
    }

    private static func readDeltas(
        _ top: JSONImport.Object, count: Int, required: Bool, fail: (String) -> FlameGraphError
    ) throws -> [Double]? {
        guard let v = top["timeDeltas"] else { return nil }
        if case .null = v { return nil }
        guard let deltas = v.numbers else { throw fail("\"timeDeltas\" is not an array of numbers") }
        guard deltas.count == count else {
            if !required { return nil }
            throw fail("\"timeDeltas\" has \(deltas.count) entries but \"samples\" has \(count)")
        }
        for (k, d) in deltas.enumerated() where abs(d) > maxDelta {
            throw fail("timeDeltas[\(k)] is absurd (\(JSONImport.describe(d)) µs)")
        }
        return deltas
    }

    /// Time attributed to each sample (indexed like `samples`): the time to the next sample in
    /// timestamp order; the last one gets the time to `endTime` (else the mean interval).
    private static func timeWeights(
        _ relative: [Double], order: [Int]?, top: JSONImport.Object, fail: (String) -> FlameGraphError
    ) throws -> [Double] {
        let m = relative.count
        var weights = [Double](repeating: 0, count: m)
        guard m > 0 else { return weights }
        let start = try time(top["startTime"], "startTime", fail: fail)
        let end = try time(top["endTime"], "endTime", fail: fail)
        if let start, let end, end < start {
            throw fail("endTime (\(JSONImport.describe(end))) is before startTime (\(JSONImport.describe(start)))")
        }
        for p in 0..<(m - 1) {
            let k = order?[p] ?? p
            let next = order?[p + 1] ?? (p + 1)
            weights[k] = relative[next] - relative[k]
        }
        let last = order?[m - 1] ?? (m - 1)
        let first = order?[0] ?? 0
        var tail = -1.0
        if let start, let end { tail = (end - start) - relative[last] }
        if tail < 0 { tail = m > 1 ? (relative[last] - relative[first]) / Double(m - 1) : 0 }
        weights[last] = tail
        return weights
    }

    private static func time(_ value: JSONImport.Value?, _ what: String, fail: (String) -> FlameGraphError) throws
        -> Double?
    {
        guard let value else { return nil }
        if case .null = value { return nil }
        guard let d = value.number else { throw fail("\(what) is \(value.kindName), not a number") }
        guard d >= 0, d <= 9_007_199_254_740_992 else {
            throw fail("\(what) is out of range (\(JSONImport.describe(d)))")
        }
        return d
    }
}

extension JSONImport {
    /// A number as error messages show it: integers without a decimal point.
    static func describe(_ d: Double) -> String {
        isExactInteger(d) ? String(Int64(d)) : String(d)
    }
}
