import FlameGraphCore

/// Compare two sides and write what the gate produces — the differential SVG and the JUnit, Markdown
/// and JSON reports — then say the verdict. `diff` and the capture subcommands' `--baseline` share it.
enum DiffReporting {
    /// The two sides of a comparison and their names in reports. Each profile of a side is one round
    /// (or capture): a replicate for the noise model. `history`: earlier baselines of the same service,
    /// used only to measure noise.
    struct Sides {
        var before: [Profile]
        var after: [Profile]
        var beforeLabel: String
        var afterLabel: String
        var history: [Profile] = []
    }

    /// How the differential SVG is drawn.
    struct Drawing {
        var render: RenderOptionGroup
        var negate = false
        var colorBy: DiffGraph.ColorBy = .total
    }

    /// Runs the gate and writes the differential SVG (when `svgOutput` is given) and the reports the
    /// gate flags ask for. Returns the result; `conclude` turns it into the verdict and exit status.
    static func compareAndWrite(
        _ sides: Sides, name: String, gate: GateOptionGroup, drawing: Drawing, svgOutput: String?, quiet: Bool
    ) throws -> DiffResult {
        let settings = try gate.settings()
        let normalizer = gate.normalizer
        let (before, after, notes) = try UnitCheck.reconcile(
            .init(profiles: sides.before, label: sides.beforeLabel),
            .init(profiles: sides.after, label: sides.afterLabel))
        var result = DiffEngine.compare(
            before: before, after: after, settings: settings, normalizer: normalizer,
            today: gate.today ?? Clock.todayUTC(), baselineLabel: sides.beforeLabel, afterLabel: sides.afterLabel,
            history: sides.history)
        result.warnings = notes + result.warnings
        if !quiet { for w in result.warnings { Console.warn(w) } }

        var svg: [UInt8]? = nil
        if svgOutput != nil {
            let graph = DiffGraph(
                before: before, after: after, normalizer: normalizer, result: result, negate: drawing.negate,
                colorBy: drawing.colorBy)
            var options = try drawing.render.renderOptions(defaultCountName: graph.combined.unit.countName)
            options.subtitle =
                drawing.render.subtitle ?? "\(sides.beforeLabel) → \(sides.afterLabel): \(headline(result))"
            svg = try graph.render(options: options)
        }
        let named = [(name: name, result: result)]
        if let junit = gate.junit { try OutputFile.write(Array(JUnitReport.render(named).utf8), to: junit) }
        if let markdown = gate.markdown {
            try OutputFile.write(
                Array(MarkdownReport.render(named, options: .init(svgURL: gate.svgURL)).utf8), to: markdown)
        }
        if let json = gate.json { try OutputFile.write(Array(JSONReport.render(named).utf8), to: json) }
        if let svg, let svgOutput { try OutputFile.write(svg, to: svgOutput) }
        return result
    }

    /// Prints the verdict (unless `quiet`) and throws exit status 1 on a regression — or on an
    /// inconclusive verdict with `--fail-on-inconclusive`.
    static func conclude(_ result: DiffResult, quiet: Bool) throws {
        if !quiet { Console.writeErr(verdict(result)) }
        if result.verdict == .regression || (result.verdict == .inconclusive && result.settings.failOnInconclusive) {
            throw CommandExit(status: ExitStatus.regression)
        }
    }

    static func headline(_ r: DiffResult) -> String {
        switch r.verdict {
        case .pass: return "no regression"
        case .regression: return "\(r.regressions.count) regression(s)"
        case .inconclusive: return "inconclusive (\(r.inconclusiveFrames.count) frame(s))"
        }
    }

    static func verdict(_ r: DiffResult) -> String {
        let metric = r.settings.metric
        func line(_ f: FrameChange) -> String {
            "  \(Console.oneLine(f.name)): \(MarkdownReport.signedPP(f.delta(metric))) "
                + "(\(MarkdownReport.pct(f.shareBefore(metric))) -> \(MarkdownReport.pct(f.shareAfter(metric))), "
                + "p=\(JUnitReport.pValue(f.adjustedPValue ?? f.pValue)), detectable ≥ \(NumberFormatting.fixed(f.minDetectablePP, decimals: 1)) pp)\n"
        }
        let threshold = NumberFormatting.fixed(r.settings.threshold, decimals: 2)
        var s: String
        switch r.verdict {
        case .pass:
            s = "flame-graph: no regression over \(threshold) pp (\(metric.rawValue) share; \(r.test))\n"
        case .regression:
            s = "flame-graph: REGRESSION in \(r.regressions.count) frame(s) (\(metric.rawValue) share):\n"
            for f in r.rootCauses.prefix(10) { s += line(f) }
            let callers = r.regressions.count - r.rootCauses.count
            if callers > 0 { s += "  (and \(callers) of their callers, which grew with them)\n" }
        case .inconclusive:
            s =
                "flame-graph: INCONCLUSIVE — \(r.inconclusiveFrames.count) frame(s) grew past \(threshold) pp, not enough samples to tell from noise:\n"
        }
        if r.verdict != .inconclusive && !r.inconclusiveFrames.isEmpty { s += "Also inconclusive:\n" }
        for f in r.inconclusiveFrames.prefix(10) { s += line(f) }
        if let advice = r.recommendedCapture { s += "  to settle it: \(MarkdownReport.advice(advice, r))\n" }
        return s
    }
}
