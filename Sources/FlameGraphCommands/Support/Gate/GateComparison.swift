import FlameGraphCore

/// The comparison of one service's rounds with its baseline, through the same engine as `diff`
/// (`DiffEngine`, `DiffGraph`), and its differential SVG.
enum GateComparison {
    static func compare(
        baseline: Profile, rounds: [Profile], settings: GateSettings, focus: String?, baselineLabel: String,
        afterLabel: String
    ) throws -> (DiffResult, [UInt8]) {
        // Focus matches frame names as reports show them: normalised (no file:line, addresses…).
        let normalizer = FrameNormalizer(keepLines: false, enabled: true)
        let before = try [baseline].map { try focused(normalizer.apply($0), focus) }
        let after = try rounds.map { try focused(normalizer.apply($0), focus) }
        let result = DiffEngine.compare(
            before: before, after: after, settings: settings, normalizer: normalizer, today: Clock.todayUTC(),
            baselineLabel: baselineLabel, afterLabel: afterLabel)
        let graph = DiffGraph(before: before, after: after, normalizer: normalizer, confidence: settings.confidence)
        var options = try RenderOptionGroup.parse([]).renderOptions(defaultCountName: graph.combined.unit.countName)
        options.subtitle =
            "\(baselineLabel) → \(afterLabel): \(result.passed ? "no regression" : "\(result.regressions.count) regression(s)")"
        return (result, try graph.render(options: options))
    }

    /// Only the stacks that pass through a frame matching `focus` (a regular expression), so the gate
    /// looks at the code a service is about and not at its framework's idle loops.
    static func focused(_ profile: Profile, _ focus: String?) throws -> Profile {
        guard let focus else { return profile }
        let pattern = try GateSettings.FramePattern(regex: focus)
        var verdicts: [Substring: Bool] = [:]
        var kept: [UInt8] = []
        let text = FoldedWriter.write(profile)
        for line in text.split(separator: 0x0A) {
            let s = String(decoding: line, as: UTF8.self)
            guard let space = s.lastIndex(of: " ") else { continue }
            let frames = s[..<space].split(separator: ";")
            let hit = frames.contains { frame in
                if let v = verdicts[frame] { return v }
                let v = pattern.matches(String(frame))
                verdicts[frame] = v
                return v
            }
            if hit { kept += line + [0x0A] }
        }
        guard !kept.isEmpty else {
            throw FlameGraphError(.badInput, "no stack passes through a frame matching focus /\(focus)/")
        }
        var result = FoldedParser.parse(kept, sourceName: "focused profile").profile
        result.unit = profile.unit
        return result
    }
}
