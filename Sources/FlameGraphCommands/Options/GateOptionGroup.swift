import ArgumentParser
import FlameGraphCore

/// The regression gate's flags: thresholds, statistics, frame identity and the reports. Shared by
/// `diff` and by the capture subcommands' `--baseline`.
struct GateOptionGroup: ParsableArguments {
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

    @Option(name: [.customLong("today")], help: .hidden)
    var today: String?

    func validate() throws {
        if let metric, GateSettings.Metric(rawValue: metric) == nil {
            throw ValidationError("--metric must be total or self")
        }
        if let confidence, !(confidence > 0 && confidence < 1) {
            throw ValidationError("--confidence must be between 0 and 1, e.g. 0.99")
        }
        if let threshold, !(threshold >= 0 && threshold.isFinite) {
            throw ValidationError("--threshold must be a number of percentage points ≥ 0")
        }
    }

    /// The config file's settings with the flags on top.
    func settings() throws -> GateSettings {
        var settings = try config.map(GateConfigFile.load) ?? GateSettings()
        if let threshold { settings.threshold = threshold }
        if let metric, let m = GateSettings.Metric(rawValue: metric) { settings.metric = m }
        if let minSamples { settings.minSamples = minSamples }
        if let confidence { settings.confidence = confidence }
        return settings
    }

    var normalizer: FrameNormalizer { FrameNormalizer(keepLines: keepLines, enabled: !noNormalize) }
}
