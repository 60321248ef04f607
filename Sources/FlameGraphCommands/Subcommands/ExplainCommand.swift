import ArgumentParser
import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `flame-graph explain`: a plain-English summary of a profile's hot spots, computed offline, and
/// optionally a language model's reading of it.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a profile's hot spots in plain English (offline; optionally also by a language model).",
        discussion: """
            Lists the functions that carry the most weight in their own code (with their heaviest call
            path), the ones that are expensive including their callees, and observations such as kernel, GC
            or lock time. Words follow what the profile measures (--measure, default: memory for bytes,
            else CPU). Frames named `function (file:LINE)` are ranked per function.
            With --api-url, the offline summary (frame names and shares only, at most 12,000 characters) is
            sent to an OpenAI-compatible chat-completions API (llama.cpp, vLLM, Ollama, hosted), with
            RESQ_API_KEY as bearer token, and the model's answer is printed after the offline facts. A
            timeout, an HTTP error or a malformed answer exits 69 after printing the offline summary.
            --stream asks for the answer as server-sent events and prints it as it arrives (to stdout;
            an --output file is still written whole at the end); --timeout then bounds the whole
            answer, and a stream cut off before `data: [DONE]` or a malformed event also exits 69.

            Examples:
              flame-graph explain --input flamegraph.svg
              flame-graph explain --input stacks.folded --top 10 --markdown --output explain.md
              RESQ_API_KEY=… flame-graph explain --input cpu.folded --api-url http://127.0.0.1:8080/v1 --model llama3
              flame-graph explain --input cpu.svg --api-url http://127.0.0.1:11434/v1 --model qwen2.5 --stream
            """)

    @OptionGroup var inputs: InputOptionGroup

    @Option(help: "How many functions each list shows.")
    var top: Int = 20

    @Flag(help: "Write GitHub-flavoured Markdown (for a PR comment) instead of terminal text.")
    var markdown = false

    @Option(name: [.short, .long], help: "Output file (`-` = stdout). Written atomically.")
    var output: String = "-"

    @Option(help: "What the weights measure: cpu, off-cpu or memory (default: memory for bytes, else cpu).")
    var measure: String?

    @Option(name: [.customLong("api-url")], help: "An OpenAI-compatible API base URL (…/v1) to ask as well.")
    var apiURL: String?

    @Option(help: "The model name sent to --api-url.")
    var model: String = "gpt-4o-mini"

    @Option(help: "Seconds to wait for the model's answer (streamed: for all of it).")
    var timeout: Int = 60

    @Flag(help: "Stream the model's answer (server-sent events) and print it as it arrives.")
    var stream = false

    @Flag(name: [.short, .long], help: "No warnings on stderr.")
    var quiet = false

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if let measure, ExplanationMeasure(rawValue: measure) == nil {
            throw ValidationError("--measure: cpu, off-cpu or memory")
        }
        if timeout < 1 || timeout > 3600 { throw ValidationError("--timeout must be from 1 to 3600 seconds") }
    }

    func run() throws {
        let endpoint = try apiURL.map(ChatCompletionClient.endpoint)
        let options = inputs.importOptions(perf: PerfCollapseOptions())
        let profile = try ProfileLoader.load(inputs.input, format: inputs.format, options: options, quiet: quiet)
        let explanation = HotSpotExplainer.explain(
            profile, top: top, measure: measure.flatMap(ExplanationMeasure.init(rawValue:)))
        let text = markdown ? ExplanationMarkdown.render(explanation) : ExplanationText.render(explanation)
        guard let endpoint else {
            // Frame names are untrusted: TerminalText keeps control and bidi characters off the terminal.
            return try OutputFile.write(Array(TerminalText.lines(text).utf8), to: output)
        }
        let model = ExplainModelOutput(
            endpoint: endpoint, model: model, timeout: timeout, stream: stream, markdown: markdown)
        try model.write(text, explanation: explanation, to: output)
    }
}
