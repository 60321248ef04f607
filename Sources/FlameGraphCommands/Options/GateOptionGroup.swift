import ArgumentParser
import FlameGraphCore

extension GateSettings.Metric: ExpressibleByArgument {}
extension DiffGraph.ColorBy: ExpressibleByArgument {}

/// The regression gate's flags: thresholds, statistics, frame identity and the reports. Shared by
/// `diff` and by the capture subcommands' `--baseline`.
struct GateOptionGroup: ParsableArguments {
    @Option(help: "Percentage points of the total a frame may grow by (default 1.0).")
    var threshold: Double?

    @Option(help: "What is gated: total (inclusive) or self share (default total).")
    var metric: GateSettings.Metric?

    @Option(name: [.customLong("min-samples")], help: "Frames with fewer samples (after) are not gated (default 1).")
    var minSamples: Double?

    @Option(help: "Confidence of the one-sided test, per comparison (default 0.99).")
    var confidence: Double?

    @Option(
        help: ArgumentHelp("YAML gate config: settings, per-frame rules, acknowledged regressions.", valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp(
            "Gate only stacks through a frame matching REGEX, with shares relative to it.", valueName: "regex"))
    var focus: String?

    @Flag(name: [.customLong("keep-idle")], help: "Keep (idle), (program), (root) and idle frames in shares and gates.")
    var keepIdle = false

    @Flag(name: [.customLong("fail-on-inconclusive")], help: "Exit 1 when the verdict is inconclusive, too.")
    var failOnInconclusive = false

    @Option(
        name: [.customLong("noise-dispersion")],
        help: ArgumentHelp(
            "Prior dispersion φ₀ the measured noise is shrunk towards (default: the calibrated value, see docs/GATE.md).",
            visibility: .hidden))
    var noiseDispersion: Double?

    @Option(name: [.customLong("session-variance")], help: .private)
    var sessionVariance: Double?

    @Option(name: [.customLong("prior-degrees")], help: .private)
    var priorDegrees: Double?

    @Flag(name: [.customLong("per-frame")], help: .private)
    var perFrame = false

    @Option(name: [.customLong("inconclusive-level")], help: .private)
    var inconclusiveLevel: Double?

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
        if let confidence, !(confidence > 0 && confidence < 1) {
            throw ValidationError("--confidence must be between 0 and 1, e.g. 0.99")
        }
        if let threshold, !(threshold >= 0 && threshold.isFinite) {
            throw ValidationError("--threshold must be a number of percentage points ≥ 0")
        }
        if let noiseDispersion, !(noiseDispersion >= 1 && noiseDispersion.isFinite) {
            throw ValidationError("--noise-dispersion must be 1 or more")
        }
        if let focus, (try? Regex(focus)) == nil {
            throw ValidationError("--focus '\(focus)' is not a valid regular expression")
        }
    }

    /// The config file's settings with the flags on top.
    func settings() throws -> GateSettings {
        var settings = try config.map(GateConfigFile.load) ?? GateSettings()
        if let threshold { settings.threshold = threshold }
        if let metric { settings.metric = metric }
        if let minSamples { settings.minSamples = minSamples }
        if let confidence { settings.confidence = confidence }
        if let focus { settings.focus = try GateSettings.FramePattern(regex: focus) }
        if keepIdle { settings.keepIdle = true }
        if failOnInconclusive { settings.failOnInconclusive = true }
        if let noiseDispersion { settings.noise.defaultDispersion = noiseDispersion }
        if let inconclusiveLevel { settings.inconclusiveLevel = inconclusiveLevel }
        if perFrame { settings.familyWise = false }
        if let sessionVariance { settings.noise.sessionVariance = sessionVariance }
        if let priorDegrees { settings.noise.priorDegrees = priorDegrees }
        return settings
    }

    var normalizer: FrameNormalizer { FrameNormalizer(keepLines: keepLines, enabled: !noNormalize) }
}
