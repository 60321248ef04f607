/// Ranking by function, not by line: samplers such as py-spy name a frame `function (file.py:LINE)`
/// with the line being executed, so one function shows up once per line. For the explanation the
/// line is dropped (`function (file.py)`) and the stacks merged.
enum FunctionAggregation {
    /// `name (file:123)` → `name (file)`; any other name unchanged.
    static func functionName(_ frame: String) -> String {
        guard frame.hasSuffix(")"), let open = frame.lastIndex(of: "(") else { return frame }
        let inside = frame[frame.index(after: open)..<frame.index(before: frame.endIndex)]
        guard let colon = inside.lastIndex(of: ":") else { return frame }
        let digits = inside[inside.index(after: colon)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return frame }
        return String(frame[..<colon]) + ")"
    }

    /// The profile with every frame renamed by `functionName` (unchanged when no name changes).
    static func byFunction(_ profile: Profile) -> Profile {
        let renamed = (0..<profile.names.count).map { functionName(profile.names.string(Int32($0))) }
        guard renamed.enumerated().contains(where: { $1 != profile.names.string(Int32($0)) }) else { return profile }
        var out = Profile()
        out.unit = profile.unit
        let ids: [Int32] = renamed.map { out.names.intern($0) }
        var map = [Int32](repeating: 0, count: profile.nodeCount)
        for node in 1..<max(profile.nodeCount, 1) {
            let parent = map[Int(profile.parent[node])]
            let id = ids[Int(profile.name[node])]
            map[node] = out.child(of: parent, named: id)
            if profile.selfWeight[node] != 0 { out.addWeight(at: map[node], profile.selfWeight[node]) }
        }
        return out
    }
}
