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
        var text = markdown ? ExplanationMarkdown.render(explanation) : ExplanationText.render(explanation)
        // Frame names and the model's answer are untrusted: no control, C1 or bidi-override character
        // reaches a terminal (TerminalText).
        guard let endpoint else { return try OutputFile.write(Array(TerminalText.lines(text).utf8), to: output) }
        let messages: [ChatCompletionClient.Message] = [
            .init(role: "system", content: ModelPrompt.system(explanation.measure)),
            .init(role: "user", content: ModelPrompt.user(explanation)),
        ]
        let apiKey = CLIContext.current.value("RESQ_API_KEY")
        if stream && output == "-" {
            return try streamToStdout(text, messages: messages, endpoint: endpoint, apiKey: apiKey)
        }
        let answer: String
        do {
            answer =
                stream
                ? try ChatCompletionClient.stream(
                    messages, model: model, url: endpoint, apiKey: apiKey, timeout: Double(timeout), onText: { _ in })
                : try ChatCompletionClient.complete(
                    messages, model: model, url: endpoint, apiKey: apiKey, timeout: Double(timeout))
        } catch {
            try OutputFile.write(Array(TerminalText.lines(text).utf8), to: output)  // the offline facts stand alone
            throw error
        }
        text += heading + answer.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        try OutputFile.write(Array(TerminalText.lines(text).utf8), to: output)
    }

    var heading: String {
        markdown ? "\n### What the model says (\(model))\n\n" : "\nWhat the model says (\(model)):\n\n"
    }

    /// --stream to stdout: the offline facts first, then the answer piece by piece as it arrives
    /// (leading blank space dropped, each piece cleaned for the terminal); on a failure the pieces
    /// already printed stay, the line is ended, and the error (69) follows.
    private func streamToStdout(
        _ offline: String, messages: [ChatCompletionClient.Message], endpoint: URL, apiKey: String?
    ) throws {
        let out = CLIContext.current.stdout
        try out(Array(TerminalText.lines(offline).utf8))
        var started = false
        do {
            _ = try ChatCompletionClient.stream(
                messages, model: model, url: endpoint, apiKey: apiKey, timeout: Double(timeout)
            ) { piece in
                var piece = Substring(piece)
                if !started {
                    piece = piece.drop(while: { $0.isWhitespace })
                    guard !piece.isEmpty else { return }
                    started = true
                    try out(Array(TerminalText.lines(heading).utf8))
                }
                try out(Array(TerminalText.lines(String(piece)).utf8))
            }
        } catch {
            if started { try? out(Array("\n".utf8)) }
            throw error
        }
        try out(Array("\n".utf8))
    }
}
