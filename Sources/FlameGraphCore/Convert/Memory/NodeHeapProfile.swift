/// Node's sampling heap profile (`node --heap-prof`, the inspector's `HeapProfiler.stopSampling`): a
/// call tree under `head`, each node `{callFrame{functionName, url, lineNumber}, selfSize, children}`,
/// `selfSize` the sampled bytes still live (when written) allocated there. Frames are named like
/// .cpuprofile frames: `function (file:line)`, `(anonymous)` for an empty name; `(root)` is dropped.
public enum NodeHeapProfile {
    public static func decode(_ bytes: [UInt8], sourceName: String) throws -> Profile {
        let root: JSONImport.Value
        do {
            root = try JSONImport.parse(bytes)
        } catch {
            throw FlameGraphError(.badInput, "\(sourceName): not JSON (\(error))")
        }
        guard let head = root.object?["head"]?.object else {
            throw FlameGraphError(.badInput, "\(sourceName): not a heap profile (no \"head\" node)")
        }
        var profile = Profile()
        profile.unit = .bytes
        // Depth-first with an explicit stack: deep trees must not overflow the call stack.
        var pending: [(JSONImport.Object, Int32, Int)] = [(head, 0, 0)]
        while let (node, parent, depth) = pending.popLast() {
            guard depth < 10_000 else { throw FlameGraphError(.badInput, "\(sourceName): call tree deeper than 10000") }
            let frame = node["callFrame"]?.object
            let function = frame?["functionName"]?.string ?? ""
            var here = parent
            if !(depth == 0 && function == "(root)") {
                here = profile.child(of: parent, named: profile.names.intern(name(frame)))
            }
            if let size = node["selfSize"]?.number, size > 0 { profile.addWeight(at: here, size) }
            for child in node["children"]?.array ?? [] {
                if let o = child.object { pending.append((o, here, depth + 1)) }
            }
        }
        guard profile.totalWeight > 0 else { throw FlameGraphError(.badInput, "\(sourceName): no sampled bytes") }
        return profile
    }

    static func name(_ frame: JSONImport.Object?) -> String {
        let function = (frame?["functionName"]?.string).flatMap { $0.isEmpty ? nil : $0 } ?? "(anonymous)"
        let url = frame?["url"]?.string ?? ""
        guard !url.isEmpty else { return function }
        let file = url.split(separator: "/").last.map(String.init) ?? url
        let line = Int(frame?["lineNumber"]?.number ?? -1)
        let text = line >= 0 ? "\(function) (\(file):\(line + 1))" : "\(function) (\(file))"
        return String(text.map { $0 == ";" ? ":" : ($0 == "\n" ? " " : $0) })
    }
}
