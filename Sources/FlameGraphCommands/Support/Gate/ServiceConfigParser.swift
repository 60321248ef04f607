import FlameGraphCapture
import FlameGraphCore
import Yams

/// Reads `flame-graph.yml` for `flame-graph gate`. Unknown keys and bad values are usage errors (64)
/// naming the key and its line. The gate settings (`gate:` at the top and in each service, plus the
/// older top-level `threshold:`/`rules:`… keys) are handed to `GateConfigFile`, which owns that format.
enum ServiceConfigParser {
    static let rootKeys = ["version", "services", "gate"] + legacyGateKeys
    static let legacyGateKeys = ["threshold", "metric", "min_samples", "confidence", "rules", "acknowledged"]
    static let serviceKeys = [
        "name", "profiler", "command", "cwd", "env", "ready", "ready_timeout", "url", "load", "duration", "rounds",
        "gate",
    ]
    static let gateKeys = legacyGateKeys + ["focus", "ignore"]

    static func load(_ path: String) throws -> GateFileConfig {
        let text = String(decoding: try InputFile.readAll(path), as: UTF8.self)
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> GateFileConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw FlameGraphError(.usage, "\(source): the config is empty: it needs `version: 1` and `services:`")
            }
            root = node
        } catch let e as FlameGraphError {
            throw e
        } catch {
            throw FlameGraphError(.usage, "\(source): not valid YAML: \(Console.oneLine("\(error)"))")
        }
        let top = try YAMLFields(root, path: "", source: source)
        try top.checkKeys(rootKeys)
        var config = GateFileConfig(source: source)
        config.version = try top.int("version", in: 1...1) ?? 1
        guard let services = try top.list("services"), !services.isEmpty else {
            throw top.fail("services", "the config needs a non-empty `services:` list (see docs/CONFIG.md)")
        }
        // The base of every service's gate settings: top-level legacy keys, then the top-level `gate:`.
        var base = Node.Mapping([])
        for key in legacyGateKeys { if let v = top.mapping[key] { base[key] = v } }
        if let g = try top.fields("gate") {
            try g.checkKeys(gateKeys)
            base = merged(base, g.mapping)
        }
        var names: Set<String> = []
        for (i, node) in services.enumerated() {
            let service = try parseService(try YAMLFields(node, path: "services[\(i)]", source: source), base: base)
            guard names.insert(service.name).inserted else {
                throw FlameGraphError(
                    .usage, "\(source):\(service.line): services[\(i)].name: '\(service.name)' is used twice")
            }
            config.services.append(service)
        }
        return config
    }

    static func parseService(_ f: YAMLFields, base: Node.Mapping) throws -> ServiceConfig {
        try f.checkKeys(serviceKeys)
        guard let name = try f.nonEmpty("name") else { throw f.fail("name", "every service needs a name") }
        guard BaselineName.isValid(name) else {
            throw f.fail("name", "'\(name)' must be letters, digits, '.', '_' or '-' (it names files and baselines)")
        }
        guard let profilerText = try f.string("profiler") else {
            throw f.fail("profiler", "missing: one of \(ProfilerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let profiler = ProfilerKind(rawValue: profilerText) else {
            throw f.fail(
                "profiler",
                "'\(profilerText)' is not one of \(ProfilerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var gateMapping = base
        if let g = try f.fields("gate") {
            try g.checkKeys(gateKeys)
            gateMapping = merged(base, g.mapping)
        }
        let (settings, focus) = try gateSettings(gateMapping, f)
        var s = ServiceConfig(name: name, profiler: profiler, gate: settings, focus: focus, line: f.line)
        s.command = try f.nonEmpty("command")
        s.cwd = try f.nonEmpty("cwd")
        s.env = try f.stringMap("env")
        s.ready = try f.nonEmpty("ready")
        s.readyTimeout = try f.duration("ready_timeout", max: 3600) ?? 30
        s.url = try f.nonEmpty("url")
        s.duration = try f.duration("duration", max: 3600) ?? 10
        guard s.duration >= 1 else { throw f.fail("duration", "must be at least 1s") }
        s.rounds = try f.int("rounds", in: 1...100) ?? 1
        for key in ["url", "ready"] {
            if let u = key == "url" ? s.url : s.ready {
                do { _ = try LoopbackURL(u) } catch let e as FlameGraphError { throw f.fail(key, e.message) }
            }
        }
        if s.url == nil && !(s.command != nil && [.perf, .dotnet, .bun].contains(s.profiler)) {
            throw f.fail(
                "url", "the \(profiler.rawValue) profiler needs the service's url (or, for a benchmark, a command)")
        }
        if s.command == nil && s.ready != nil && s.url == nil { throw f.fail("ready", "needs a command to start") }
        if let l = try f.fields("load") { s.load = try LoadConfigParser.parse(l) }
        if s.isBenchmark && (s.load != nil || s.ready != nil) {
            throw f.fail("load", "a benchmark (command, no url) takes no load or ready: it runs to its end")
        }
        if s.load?.command == nil && !(s.load?.requests.isEmpty ?? true) && s.url == nil {
            throw f.fail("load", "the built-in load needs the service's url")
        }
        return s
    }

    /// Service keys win over the top-level ones; lists of rules add up.
    static func merged(_ base: Node.Mapping, _ over: Node.Mapping) -> Node.Mapping {
        var out = base
        for (k, v) in over {
            guard let key = k.string else { continue }
            if ["rules", "acknowledged", "ignore"].contains(key), let a = out[key]?.sequence, let b = v.sequence {
                out[key] = Node.sequence(Node.Sequence(Array(a) + Array(b)))
            } else {
                out[key] = v
            }
        }
        return out
    }

    /// The gate settings through `GateConfigFile`: `threshold: 1pp` becomes 1, `ignore: [REGEX…]`
    /// becomes ignore rules; `focus` is kept aside.
    static func gateSettings(_ mapping: Node.Mapping, _ f: YAMLFields) throws -> (GateSettings, String?) {
        var m = mapping
        let g = try YAMLFields(.mapping(mapping), path: f.name("gate"), source: f.source)
        if m["threshold"] != nil {
            m["threshold"] = Node(String(try g.number("threshold", suffix: "pp", in: 0...100)!))
        }
        var focus: String? = nil
        if m["focus"] != nil {
            focus = try g.nonEmpty("focus")
            _ = try GateSettings.FramePattern(regex: focus!)
            m["focus"] = nil
        }
        if let ignore = try g.list("ignore") {
            var rules = Array(m["rules"]?.sequence ?? [])
            for item in ignore {
                guard let regex = item.scalar?.string else {
                    throw g.fail("ignore", "must be a list of regular expressions")
                }
                rules.append(.mapping(["regex": Node(regex), "ignore": Node("true", Tag(.bool))]))
            }
            m["rules"] = .sequence(Node.Sequence(rules))
            m["ignore"] = nil
        }
        let text = try Yams.serialize(node: .mapping(m))
        let line = f.mapping["gate"]?.mark?.line ?? f.line
        return (try GateConfigFile.parse(text, source: "\(f.source):\(line) (\(g.path))"), focus)
    }
}

/// Baseline service names (the store's rule, checked early so a typo fails before a long capture).
enum BaselineName {
    static func isValid(_ s: String) -> Bool {
        guard let first = s.first, first.isLetter || first.isNumber, s.count <= 100 else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
