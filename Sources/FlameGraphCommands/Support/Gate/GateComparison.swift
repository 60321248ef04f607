import FlameGraphCore

/// The comparison of one service's rounds with its baseline, through the same engine as `diff`
/// (`DiffEngine`, `DiffGraph`), and its differential SVG.
enum GateComparison {
    /// `baseline` and `rounds` are the two sides' replicates; `history` holds earlier baselines of the
    /// service for the noise model; `focus` (the config's `gate.focus`) scopes the shares as `--focus` does.
    static func compare(
        baseline: [Profile], history: [Profile], rounds: [Profile], settings: GateSettings, focus: String?,
        baselineLabel: String, afterLabel: String
    ) throws -> (DiffResult, [UInt8]) {
        var settings = settings
        if let focus { settings.focus = try GateSettings.FramePattern(regex: focus) }
        // Focus matches frame names as reports show them: normalised (no file:line, addresses…).
        let normalizer = FrameNormalizer(keepLines: false, enabled: true)
        if let focus {
            // Say so plainly when the focus matches nothing, rather than gate an empty profile.
            for p in rounds { _ = try focused(normalizer.apply(p), focus) }
        }
        let (before, after, notes) = try UnitCheck.reconcile(
            .init(profiles: baseline, label: baselineLabel), .init(profiles: rounds, label: afterLabel))
        var result = DiffEngine.compare(
            before: before, after: after, settings: settings, normalizer: normalizer, today: Clock.todayUTC(),
            baselineLabel: baselineLabel, afterLabel: afterLabel, history: history)
        result.warnings = notes + result.warnings
        let graph = DiffGraph(before: before, after: after, normalizer: normalizer, result: result)
        var options = try RenderOptionGroup.parse([]).renderOptions(defaultCountName: graph.combined.unit.countName)
        options.subtitle = "\(baselineLabel) → \(afterLabel): \(DiffReporting.headline(result))"
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
