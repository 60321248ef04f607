import FlameGraphCapture
import FlameGraphCore
import Foundation

/// The model's part of `explain --api-url`: sends the offline summary to an OpenAI-compatible API and
/// writes the offline facts followed by the answer. The offline facts are always written, even when
/// the model fails (timeout, HTTP error, malformed answer: exit 69 after them).
///
/// Frame names and the model's answer are untrusted: everything goes through `TerminalText`, so no
/// control, C1 or bidi-override character reaches a terminal.
struct ExplainModelOutput {
    var endpoint: URL
    var model: String
    var timeout: Int
    var stream: Bool
    var markdown: Bool

    var heading: String {
        markdown ? "\n### What the model says (\(model))\n\n" : "\nWhat the model says (\(model)):\n\n"
    }

    /// Asks the model about `explanation` and writes `offline` and the answer to `output`.
    func write(_ offline: String, explanation: Explanation, to output: String) throws {
        let messages: [ChatCompletionClient.Message] = [
            .init(role: "system", content: ModelPrompt.system(explanation.measure)),
            .init(role: "user", content: ModelPrompt.user(explanation)),
        ]
        let apiKey = CLIContext.current.value("RESQ_API_KEY")
        if stream && output == "-" {
            return try streamToStdout(offline, messages: messages, apiKey: apiKey)
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
            try OutputFile.write(Array(TerminalText.lines(offline).utf8), to: output)  // the facts stand alone
            throw error
        }
        let text = offline + heading + answer.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        try OutputFile.write(Array(TerminalText.lines(text).utf8), to: output)
    }

    /// --stream to stdout: the offline facts first, then the answer piece by piece as it arrives
    /// (leading blank space dropped, each piece cleaned for the terminal); on a failure the pieces
    /// already printed stay, the line is ended, and the error (69) follows.
    private func streamToStdout(_ offline: String, messages: [ChatCompletionClient.Message], apiKey: String?) throws {
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
