import ArgumentParser
import FlameGraphCore

/// `flame-graph explain`: a plain-English summary of a profile's hot spots, computed offline.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a profile's hot spots in plain English (offline, deterministic).",
        discussion: """
            Lists the functions that burn the CPU in their own code (with their heaviest call path), the
            ones that are expensive including their callees, and observations such as kernel, GC or lock time.

            Examples:
              flame-graph explain --input flamegraph.svg
              flame-graph explain --input stacks.folded --top 10 --markdown --output explain.md
            """)

    @OptionGroup var inputs: InputOptionGroup

    @Option(help: "How many functions each list shows.")
    var top: Int = 20

    @Flag(help: "Write GitHub-flavoured Markdown (for a PR comment) instead of terminal text.")
    var markdown = false

    @Option(name: [.short, .long], help: "Output file (`-` = stdout). Written atomically.")
    var output: String = "-"

    @Option(name: [.customLong("api-url")], help: "Ask a language-model API for the explanation (not available yet).")
    var apiURL: String?

    @Flag(name: [.short, .long], help: "No warnings on stderr.")
    var quiet = false

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        if apiURL != nil {
            throw FlameGraphError(
                .usage, "explain --api-url is not available yet: drop it for the offline explanation")
        }
        let options = inputs.importOptions(perf: PerfCollapseOptions())
        let profile = try ProfileLoader.load(inputs.input, format: inputs.format, options: options, quiet: quiet)
        let explanation = HotSpotExplainer.explain(profile, top: top)
        let text = markdown ? ExplanationMarkdown.render(explanation) : ExplanationText.render(explanation)
        // Frame names are untrusted: no control, C1 or bidi-override character reaches a terminal.
        try OutputFile.write(Array(TerminalText.lines(text).utf8), to: output)
    }
}
