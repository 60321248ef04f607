import FlameGraphCore
import Yams

/// A YAML mapping with where it sits (`services[0].load`) and the file it came from, so every error
/// names the key and its line: `flame-graph.yml:14: services[0].load.concurrency: must be a whole number`.
struct YAMLFields {
    let mapping: Node.Mapping
    let path: String
    let source: String
    let line: Int

    init(_ node: Node, path: String, source: String) throws {
        line = node.mark?.line ?? 0
        self.path = path
        self.source = source
        guard let mapping = node.mapping else {
            throw FlameGraphError(.usage, "\(source):\(line): \(path.isEmpty ? "the config" : path) must be a mapping")
        }
        self.mapping = mapping
    }

    func fail(_ key: String, _ message: String) -> FlameGraphError {
        let at = mapping[key]?.mark?.line ?? keyLine(key) ?? line
        return FlameGraphError(.usage, "\(source):\(at): \(name(key)): \(message)")
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func keyLine(_ key: String) -> Int? {
        mapping.first(where: { $0.key.string == key })?.key.mark?.line
    }

    /// Throws on the first key not in `known`, naming it and its line.
    func checkKeys(_ known: [String]) throws {
        for (key, _) in mapping {
            guard let k = key.string, known.contains(k) else {
                let shown = key.string ?? "\(key)"
                throw FlameGraphError(
                    .usage,
                    "\(source):\(key.mark?.line ?? line): unknown key '\(shown)' in \(path.isEmpty ? "the config" : path) (known: \(known.joined(separator: ", ")))"
                )
            }
        }
    }

    func has(_ key: String) -> Bool { mapping[key] != nil }

    func string(_ key: String) throws -> String? {
        guard let node = mapping[key] else { return nil }
        guard let s = node.scalar?.string else {
            throw fail(key, "must be a string")
        }
        return s
    }

    func nonEmpty(_ key: String) throws -> String? {
        guard let s = try string(key) else { return nil }
        guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail(key, "must not be empty") }
        return s
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let node = mapping[key] else { return nil }
        guard let i = node.scalar.flatMap({ Int($0.string) }), range.contains(i) else {
            throw fail(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return i
    }

    func number(_ key: String, suffix: String? = nil, in range: ClosedRange<Double>) throws -> Double? {
        guard let node = mapping[key] else { return nil }
        var text = node.scalar?.string ?? ""
        if let suffix, text.hasSuffix(suffix) { text = String(text.dropLast(suffix.count)) }
        guard let d = Double(text.trimmingCharacters(in: .whitespaces)), d.isFinite, range.contains(d) else {
            throw fail(key, "must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return d
    }

    func duration(_ key: String, max: Double = 86_400) throws -> Double? {
        guard let node = mapping[key] else { return nil }
        guard let d = node.scalar.flatMap({ ConfigDuration.seconds($0.string) }), d <= max else {
            throw fail(key, "must be a duration such as 10s, 500ms or 2m (at most \(Int(max)) s)")
        }
        return d
    }

    func fields(_ key: String) throws -> YAMLFields? {
        guard let node = mapping[key] else { return nil }
        return try YAMLFields(node, path: name(key), source: source)
    }

    func list(_ key: String) throws -> [Node]? {
        guard let node = mapping[key] else { return nil }
        guard let seq = node.sequence else { throw fail(key, "must be a list") }
        return Array(seq)
    }

    /// A mapping of strings to strings (`env`, `headers`); numbers and booleans are taken as written.
    func stringMap(_ key: String) throws -> [(String, String)] {
        guard let node = mapping[key] else { return [] }
        guard let m = node.mapping else { throw fail(key, "must be a mapping of names to values") }
        return try m.map { k, v in
            guard let name = k.string, !name.isEmpty, let value = v.scalar?.string else {
                throw fail(key, "must map names to plain values")
            }
            return (name, value)
        }
    }
}
