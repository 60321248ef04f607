import FlameGraphCore

/// Compare two sides and write what the gate produces — the differential SVG and the JUnit, Markdown
/// and JSON reports — then say the verdict. `diff` and the capture subcommands' `--baseline` share it.
enum DiffReporting {
    /// The two sides of a comparison and their names in reports.
    struct Sides {
        var before: [Profile]
        var after: [Profile]
        var beforeLabel: String
        var afterLabel: String
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
        let result = DiffEngine.compare(
            before: sides.before, after: sides.after, settings: settings, normalizer: normalizer,
            today: gate.today ?? Clock.todayUTC(), baselineLabel: sides.beforeLabel, afterLabel: sides.afterLabel)
        if !quiet { for w in result.warnings { Console.warn(w) } }

        var svg: [UInt8]? = nil
        if svgOutput != nil {
            let graph = DiffGraph(
                before: sides.before, after: sides.after, normalizer: normalizer, negate: drawing.negate,
                colorBy: drawing.colorBy, confidence: settings.confidence)
            var options = try drawing.render.renderOptions(
                defaultCountName: graph.combined.unit.countName)
            if let subtitle = drawing.render.subtitle {
                options.subtitle = subtitle
            } else {
                options.subtitle =
                    "\(sides.beforeLabel) → \(sides.afterLabel): \(result.passed ? "no regression" : "\(result.regressions.count) regression(s)")"
            }
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

    /// Prints the verdict (unless `quiet`) and throws exit status 1 when a frame regressed.
    static func conclude(_ result: DiffResult, quiet: Bool) throws {
        if !quiet { Console.writeErr(verdict(result)) }
        if !result.passed { throw CommandExit(status: ExitStatus.regression) }
    }

    static func verdict(_ r: DiffResult) -> String {
        if r.passed {
            return
                "flame-graph: no regression over \(NumberFormatting.fixed(r.settings.threshold, decimals: 2)) pp (\(r.settings.metric.rawValue) share, \(r.test))\n"
        }
        var s = "flame-graph: REGRESSION in \(r.regressions.count) frame(s) (\(r.settings.metric.rawValue) share):\n"
        for f in r.rootCauses.prefix(10) {
            s += "  \(Console.oneLine(f.name)): \(MarkdownReport.signedPP(f.delta(r.settings.metric))) "
            s +=
                "(\(MarkdownReport.pct(f.shareBefore(r.settings.metric))) -> \(MarkdownReport.pct(f.shareAfter(r.settings.metric))), p=\(JUnitReport.pValue(f.pValue)))\n"
        }
        let callers = r.regressions.count - r.rootCauses.count
        if callers > 0 { s += "  (and \(callers) of their callers, which grew with them)\n" }
        return s
    }
}
