import ArgumentParser
import FlameGraphCore
import FlameGraphStore

#if canImport(Glibc)
    import Glibc
#endif

/// `flame-graph diff`: the differential flame graph and the regression gate.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare a baseline profile with a new one: differential flame graph, reports, and a gate.",
        discussion: """
            A frame regresses when its share of samples grows by more than --threshold percentage points AND
            the growth is statistically significant at --confidence. Exit 1 when any frame regresses (all
            outputs are still written), 0 otherwise.

            Examples:
              flame-graph diff --before base.folded --after new.folded --output diff.svg --markdown report.md
              flame-graph diff --before <(cat before.svg) --after <(cat after.svg) --junit junit.xml
              flame-graph diff --before a1.folded --before a2.folded --after b1.folded --after b2.folded
              flame-graph diff --input diff.folded        # `stack before after` lines (inferno-diff-folded)
            """)

    @Option(help: ArgumentHelp("Baseline profile (repeat for several captures).", valueName: "path"))
    var before: [String] = []

    @Option(help: ArgumentHelp("New profile (repeat for several captures).", valueName: "path"))
    var after: [String] = []

    @Option(
        name: [.short, .long], help: ArgumentHelp("Two-column `stack before after` input instead.", valueName: "path"))
    var input: String?

    @Option(name: [.short, .long], help: "Differential SVG (`-` = stdout).")
    var output: String = "diff.svg"

    @Option(name: [.customLong("folded-output")], help: "Also write `stack before after` lines.")
    var foldedOutput: String?

    @Flag(help: "With --folded-output: scale before counts to after's total (inferno-diff-folded -n).")
    var normalize = false

    @Flag(name: [.customLong("strip-hex")], help: "With --folded-output: replace hex addresses by 0x... (-s).")
    var stripHex = false

    @Option(help: "Percentage points of the total a frame may grow by (default 1.0).")
    var threshold: Double?

    @Option(help: "What is gated: total (inclusive) or self share (default total).")
    var metric: String?

    @Option(name: [.customLong("min-samples")], help: "Frames with fewer samples (after) are not gated (default 1).")
    var minSamples: Double?

    @Option(help: "Confidence of the one-sided test (default 0.99).")
    var confidence: Double?

    @Option(
        help: ArgumentHelp("YAML gate config: settings, per-frame rules, acknowledged regressions.", valueName: "file"))
    var config: String?

    @Flag(name: [.customLong("keep-lines")], help: "Keep file:line in frame identity.")
    var keepLines = false

    @Flag(name: [.customLong("no-normalize")], help: "Match frames by their exact names.")
    var noNormalize = false

    @Option(help: "JUnit XML report.")
    var junit: String?

    @Option(help: "Markdown (PR comment) report.")
    var markdown: String?

    @Option(help: "JSON report with every frame's numbers.")
    var json: String?

    @Option(name: [.customLong("svg-url")], help: "Link to the diff SVG in the Markdown report.")
    var svgURL: String?

    @Flag(help: "Draw the before-shaped view, so vanished frames show.")
    var negate = false

    @Option(name: [.customLong("color-by")], help: "Colour by the change of total or self share (default total).")
    var colorBy: String = "total"

    @Option(help: "Name of this comparison in reports (e.g. the service).")
    var name: String = "profile"

    @Option(name: [.customLong("today")], help: .hidden)
    var today: String?

    @Option(
        help:
            "Take the before profile from the baseline store: a revision, or `auto` (merge-base with the default branch, then first-parent ancestors)."
    )
    var baseline: String?

    @Option(help: "With --baseline: the service whose baseline to use.")
    var service: String?

    @Option(
        name: [.customLong("max-depth")], help: "With --baseline auto: first-parent ancestors to search (default 200).")
    var maxDepth: Int = 200

    @OptionGroup var storeOptions: StoreOptionGroup

    @OptionGroup var formats: FormatOptionGroup
    @OptionGroup var render: RenderOptionGroup
    @OptionGroup var perf: PerfOptionGroup

    @Flag(name: [.short, .long], help: "No warnings on stderr.")
    var quiet = false

    func validate() throws {
        if input != nil && (!before.isEmpty || !after.isEmpty || baseline != nil) {
            throw ValidationError("--input (two-column) conflicts with --before/--after/--baseline")
        }
        if baseline != nil && !before.isEmpty { throw ValidationError("--baseline conflicts with --before") }
        if baseline != nil && service == nil { throw ValidationError("--baseline needs --service NAME") }
        if input == nil && ((before.isEmpty && baseline == nil) || after.isEmpty) {
            throw ValidationError(
                "give --before (or --baseline REV --service NAME) and --after, or one two-column --input")
        }
        if let metric, GateSettings.Metric(rawValue: metric) == nil {
            throw ValidationError("--metric must be total or self")
        }
        if DiffGraph.ColorBy(rawValue: colorBy) == nil { throw ValidationError("--color-by must be total or self") }
        if let confidence, !(confidence > 0 && confidence < 1) {
            throw ValidationError("--confidence must be between 0 and 1, e.g. 0.99")
        }
        if let threshold, !(threshold >= 0 && threshold.isFinite) {
            throw ValidationError("--threshold must be a number of percentage points ≥ 0")
        }
    }

    func run() throws {
        var settings = try config.map(GateConfigFile.load) ?? GateSettings()
        if let threshold { settings.threshold = threshold }
        if let metric { settings.metric = GateSettings.Metric(rawValue: metric)! }
        if let minSamples { settings.minSamples = minSamples }
        if let confidence { settings.confidence = confidence }

        let importOptions = formats.importOptions(perf: perf.options())
        let (beforeProfiles, afterProfiles, beforeLabel, afterLabel) = try loadSides(importOptions)

        let normalizer = FrameNormalizer(keepLines: keepLines, enabled: !noNormalize)
        let result = DiffEngine.compare(
            before: beforeProfiles, after: afterProfiles, settings: settings, normalizer: normalizer,
            today: today ?? Self.todayUTC(), baselineLabel: beforeLabel, afterLabel: afterLabel)
        if !quiet { for w in result.warnings { Console.warn(w) } }

        let graph = DiffGraph(
            before: beforeProfiles, after: afterProfiles, normalizer: normalizer, negate: negate,
            colorBy: DiffGraph.ColorBy(rawValue: colorBy)!, confidence: settings.confidence)
        var options = try render.renderOptions(defaultCountName: Rendering.countName(for: graph.combined.unit))
        if let subtitle = render.subtitle {
            options.subtitle = subtitle
        } else {
            options.subtitle =
                "\(beforeLabel) → \(afterLabel): \(result.passed ? "no regression" : "\(result.regressions.count) regression(s)")"
        }
        let svg = try graph.render(options: options)
        let named = [(name: name, result: result)]
        if let foldedOutput {
            let (twoColumn, fractional) = DiffFolded.build(
                before: beforeProfiles, after: afterProfiles, options: .init(normalize: normalize, stripHex: stripHex))
            if fractional && !quiet {
                Console.warn(
                    "The input data has fractional sample counts that will be truncated to integers in \(foldedOutput)")
            }
            try OutputFile.write(FoldedWriter.write(twoColumn), to: foldedOutput)
        }
        if let junit { try OutputFile.write(Array(JUnitReport.render(named).utf8), to: junit) }
        if let markdown {
            try OutputFile.write(Array(MarkdownReport.render(named, options: .init(svgURL: svgURL)).utf8), to: markdown)
        }
        if let json { try OutputFile.write(Array(JSONReport.render(named).utf8), to: json) }
        try OutputFile.write(svg, to: output)

        if !quiet { Console.writeErr(Self.verdict(result)) }
        if !result.passed { throw CommandExit(status: ExitStatus.regression) }
    }

    /// Loads both sides: several files each, or one two-column file split in two.
    func loadSides(_ importOptions: ImportOptions) throws -> ([Profile], [Profile], String, String) {
        if let input {
            let decoded = try loadReportingBadLines(input, importOptions)
            let p = decoded.profile
            guard p.isDifferential else {
                throw FlameGraphError(
                    .badInput,
                    "\(InputFile.displayName(input)) has one count per line: --input takes `stack before after` lines; use --before and --after for two profiles"
                )
            }
            var beforeSide = p
            beforeSide.selfWeight = p.selfBefore!
            beforeSide.selfBefore = nil
            var afterSide = p
            afterSide.selfBefore = nil
            return (
                [beforeSide], [afterSide], "\(InputFile.displayName(input)) (before)",
                "\(InputFile.displayName(input)) (after)"
            )
        }
        let a = try after.map { try loadReportingBadLines($0, importOptions).profile }
        if let baseline, let service {
            let (store, repository) = try storeOptions.open()
            let sha: String
            if let repository {
                sha = try store.findBaseline(
                    service: service, startingAt: BaselineRevision(baseline), maxDepth: maxDepth, in: repository
                ).commit
            } else {
                sha = try storeOptions.resolve(baseline, in: nil)
            }
            let (profile, _, diagnostics) = try store.loadProfile(service: service, commit: sha)
            if !quiet { for w in diagnostics.warnings { Console.warn(w) } }
            return ([profile], a, "commit \(sha.prefix(12)) (\(service))", label(after))
        }
        let b = try before.map { try loadReportingBadLines($0, importOptions).profile }
        return (b, a, label(before), label(after))
    }

    func loadReportingBadLines(_ path: String, _ importOptions: ImportOptions) throws -> DecodedProfile {
        let decoded = try ProfileLoader.loadOne(path, format: formats.format, options: importOptions, quiet: true)
        if !quiet {
            for w in decoded.diagnostics.warnings {
                // inferno-diff-folded's wording for a line it could not read.
                if w.hasPrefix("Ignored "), let sample = decoded.firstInvalidLine {
                    Console.warn("Unable to parse line: \(sample) (\(w))")
                } else {
                    Console.warn(w)
                }
            }
        }
        return decoded
    }

    func label(_ paths: [String]) -> String {
        let names = paths.map(InputFile.displayName)
        return names.count == 1 ? names[0] : "\(names[0]) and \(names.count - 1) more"
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

    /// Today's date (UTC), for acknowledgement expiry: read here, at the edge, never in the core.
    static func todayUTC() -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
    }
}
