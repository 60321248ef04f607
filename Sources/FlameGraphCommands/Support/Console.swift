import FlameGraphCore

/// Messages for people: warnings and errors on stderr, one line each, prefixed with the tool name.
/// Everything goes through `CLIContext.current`, so in-process runs can collect it.
enum Console {
    static func warn(_ message: String) {
        writeErr("flame-graph: warning: \(oneLine(Redaction.url(message)))\n")
    }

    static func error(_ message: String) {
        writeErr("flame-graph: error: \(oneLine(Redaction.url(message)))\n")
    }

    static var stderrIsTerminal: Bool { CLIContext.current.stderrIsTerminal }

    static func writeErr(_ s: String) { CLIContext.current.stderr(Array(s.utf8)) }

    static func writeOut(_ s: String) { try? CLIContext.current.stdout(Array(s.utf8)) }

    /// Control characters (a hostile file name, an escape sequence) never reach the terminal.
    static func oneLine(_ s: String) -> String {
        TerminalText.oneLine(s)
    }
}
