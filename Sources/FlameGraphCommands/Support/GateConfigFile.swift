import FlameGraphCore
import Yams

/// Reads the gate's YAML config (`--config FILE`): global settings, per-frame rules and acknowledged
/// regressions. The format is documented in `docs/GATE.md`.
enum GateConfigFile {
    static func load(_ path: String) throws -> GateSettings {
        let text = String(decoding: try InputFile.readAll(path), as: UTF8.self)
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> GateSettings {
        let node: Any?
        do {
            node = try Yams.load(yaml: text)
        } catch {
            throw FlameGraphError(.usage, "\(source) is not valid YAML: \(oneLine(error))")
        }
        var settings = GateSettings()
        guard let root = node as? [String: Any] else {
            if node == nil { return settings }
            throw FlameGraphError(.usage, "\(source): the config must be a mapping (threshold:, rules:, …)")
        }
        // A `flame-graph gate` config (version:, services:, gate:): `diff --config` takes its top-level
        // `gate:` settings; the services are the gate command's business.
        if root["version"] != nil || root["gate"] != nil {
            guard let gate = root["gate"] else { return settings }
            return try parse(try Yams.dump(object: gate), source: "\(source) (gate:)")
        }
        let known: Set<String> = [
            "threshold", "metric", "min_samples", "confidence", "rules", "acknowledged", "services", "load", "duration",
            "baseline", "output", "focus", "keep_idle", "fail_on_inconclusive", "noise_dispersion",
        ]
        for key in root.keys where !known.contains(key) {
            throw FlameGraphError(
                .usage, "\(source): unknown key '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        if let v = root["threshold"] { settings.threshold = try number(v, "threshold", source) }
        if let v = root["min_samples"] { settings.minSamples = try number(v, "min_samples", source) }
        if let v = root["confidence"] {
            settings.confidence = try number(v, "confidence", source)
            guard settings.confidence > 0 && settings.confidence < 1 else {
                throw FlameGraphError(.usage, "\(source): confidence must be between 0 and 1, e.g. 0.99")
            }
        }
        if let v = root["metric"] {
            guard let m = (v as? String).flatMap(GateSettings.Metric.init(rawValue:)) else {
                throw FlameGraphError(.usage, "\(source): metric must be 'total' or 'self'")
            }
            settings.metric = m
        }
        if let v = root["focus"] {
            guard let text = v as? String, !text.isEmpty else {
                throw FlameGraphError(.usage, "\(source): focus must be a regular expression")
            }
            do { settings.focus = try GateSettings.FramePattern(regex: text) } catch let e as FlameGraphError {
                throw FlameGraphError(.usage, "\(source): focus: \(e.message)")
            }
        }
        if let v = root["keep_idle"] {
            guard let b = v as? Bool else {
                throw FlameGraphError(.usage, "\(source): keep_idle must be true or false")
            }
            settings.keepIdle = b
        }
        if let v = root["fail_on_inconclusive"] {
            guard let b = v as? Bool else {
                throw FlameGraphError(.usage, "\(source): fail_on_inconclusive must be true or false")
            }
            settings.failOnInconclusive = b
        }
        if let v = root["noise_dispersion"] {
            settings.noise.defaultDispersion = try number(v, "noise_dispersion", source)
            guard settings.noise.defaultDispersion >= 1 else {
                throw FlameGraphError(.usage, "\(source): noise_dispersion must be 1 or more")
            }
        }
        if let rules = root["rules"] {
            guard let list = rules as? [Any] else { throw FlameGraphError(.usage, "\(source): rules must be a list") }
            for (i, item) in list.enumerated() {
                guard let rule = item as? [String: Any] else {
                    throw FlameGraphError(.usage, "\(source): rule \(i + 1) must be a mapping")
                }
                let pattern = try pattern(rule, "rule \(i + 1)", source)
                let threshold = try rule["threshold"].map { try number($0, "rule \(i + 1) threshold", source) }
                let ignore = (rule["ignore"] as? Bool) ?? false
                if threshold == nil && !ignore {
                    throw FlameGraphError(.usage, "\(source): rule \(i + 1) needs a threshold or ignore: true")
                }
                settings.rules.append(GateSettings.Rule(pattern: pattern, threshold: threshold, ignore: ignore))
            }
        }
        if let acks = root["acknowledged"] {
            guard let list = acks as? [Any] else {
                throw FlameGraphError(.usage, "\(source): acknowledged must be a list")
            }
            for (i, item) in list.enumerated() {
                guard let ack = item as? [String: Any] else {
                    throw FlameGraphError(.usage, "\(source): acknowledged entry \(i + 1) must be a mapping")
                }
                let pattern = try pattern(ack, "acknowledged entry \(i + 1)", source)
                guard let reason = ack["reason"] as? String, !reason.isEmpty else {
                    throw FlameGraphError(.usage, "\(source): acknowledged entry \(i + 1) needs a reason")
                }
                var expires: String? = nil
                if let e = ack["expires"] {
                    let text = dateText(e)
                    guard isDate(text) else {
                        throw FlameGraphError(
                            .usage, "\(source): acknowledged entry \(i + 1): expires must be YYYY-MM-DD")
                    }
                    expires = text
                }
                settings.acknowledged.append(
                    GateSettings.Acknowledgement(pattern: pattern, reason: reason, expires: expires))
            }
        }
        return settings
    }

    static func pattern(_ map: [String: Any], _ what: String, _ source: String) throws -> GateSettings.FramePattern {
        if let glob = map["match"] as? String { return GateSettings.FramePattern(glob: glob) }
        if let regex = map["regex"] as? String {
            do { return try GateSettings.FramePattern(regex: regex) } catch let e as FlameGraphError {
                throw FlameGraphError(.usage, "\(source): \(what): \(e.message)")
            }
        }
        throw FlameGraphError(.usage, "\(source): \(what) needs 'match: GLOB' or 'regex: REGEX'")
    }

    static func number(_ v: Any, _ what: String, _ source: String) throws -> Double {
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        if let s = v as? String, let d = Double(s) { return d }
        throw FlameGraphError(.usage, "\(source): \(what) must be a number")
    }

    /// YAML turns `2026-12-31` into a date; keep it as the text the user wrote.
    static func dateText(_ v: Any) -> String {
        if let s = v as? String { return s }
        let described = String(describing: v)
        return String(described.prefix(10))
    }

    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-")
        return s.count == 10 && parts.count == 3 && parts[0].count == 4 && parts.allSatisfy { Int($0) != nil }
    }

    static func oneLine(_ e: Error) -> String { Console.oneLine("\(e)") }
}
