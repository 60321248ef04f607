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
            the growth is significant at --confidence under a noise model measured from the captures' rounds
            (Holm's correction over frames). Exit 1 on a regression (all outputs are still written); a growth
            past the threshold that the samples cannot tell from noise is ⚠️ inconclusive: exit 0 with a
            warning, or 1 with --fail-on-inconclusive. See docs/GATE.md.

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

    @OptionGroup var outputs: DiffOutputOptionGroup

    @Option(help: "Name of this comparison in reports (e.g. the service).")
    var name: String = "profile"

    @OptionGroup var gate: GateOptionGroup
    @OptionGroup var stored: DiffBaselineOptionGroup
    @OptionGroup var formats: FormatOptionGroup
    @OptionGroup var render: RenderOptionGroup
    @OptionGroup var perf: PerfOptionGroup

    @Option(help: .private)
    var batch: String?

    @Flag(name: [.short, .long], help: "No warnings on stderr.")
    var quiet = false

    func validate() throws {
        if batch != nil { return }
        let baseline = stored.baseline
        if input != nil && (!before.isEmpty || !after.isEmpty || baseline != nil) {
            throw ValidationError("--input (two-column) conflicts with --before/--after/--baseline")
        }
        if baseline != nil && !before.isEmpty { throw ValidationError("--baseline conflicts with --before") }
        if baseline != nil && stored.service == nil { throw ValidationError("--baseline needs --service NAME") }
        if input == nil && ((before.isEmpty && baseline == nil) || after.isEmpty) {
            throw ValidationError(
                "give --before (or --baseline REV --service NAME) and --after, or one two-column --input")
        }
    }

    func run() throws {
        let importOptions = formats.importOptions(perf: perf.options())
        if let batch {
            return try DiffBatch.run(batch, gate: gate) { try loadReportingBadLines($0, importOptions).profile }
        }
        var history: [Profile] = []
        let (beforeProfiles, afterProfiles, beforeLabel, afterLabel) = try loadSides(importOptions, history: &history)

        let result = try DiffReporting.compareAndWrite(
            .init(
                before: beforeProfiles, after: afterProfiles, beforeLabel: beforeLabel, afterLabel: afterLabel,
                history: history),
            name: name, gate: gate,
            drawing: .init(render: render, negate: outputs.negate, colorBy: outputs.colorBy),
            svgOutput: outputs.output, quiet: quiet)
        try outputs.writeFolded(before: beforeProfiles, after: afterProfiles, quiet: quiet)
        try DiffReporting.conclude(result, quiet: quiet)
    }
}
