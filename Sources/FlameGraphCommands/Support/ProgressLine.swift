import FlameGraphCapture
import FlameGraphCore
import Synchronization

/// The one-line progress display of long work on stderr: only when stderr is a terminal and not
/// `--quiet`; rewritten in place with `\r`; styled only when `NO_COLOR` is unset and `TERM` is not
/// `dumb`. Messages from other threads (the signal monitor) go through it so lines never interleave;
/// it keeps the `CLIContext` it was made in, so they reach the same stderr.
final class ProgressLine: Sendable {
    let enabled: Bool
    let styled: Bool
    private let context: CLIContext
    private let shown = Mutex(false)

    init(quiet: Bool) {
        context = CLIContext.current
        enabled = !quiet && context.stderrIsTerminal
        let noColor = !(context.value("NO_COLOR") ?? "").isEmpty
        styled = enabled && !noColor && context.value("TERM") != "dumb"
    }

    /// Replaces the line with `text`.
    func update(_ text: String) {
        guard enabled else { return }
        let body = Console.oneLine(text)
        let line = styled ? "\r\u{1B}[2m\(body)\u{1B}[0m\u{1B}[K" : "\r\(body)\u{1B}[K"
        shown.withLock { visible in
            write(line)
            visible = true
        }
    }

    /// Erases the line.
    func clear() {
        guard enabled else { return }
        shown.withLock { visible in
            if visible { write("\r\u{1B}[K") }
            visible = false
        }
    }

    /// Prints a message line (even when the progress display is off), erasing the progress first.
    func message(_ text: String) {
        shown.withLock { visible in
            if visible { write("\r\u{1B}[K") }
            visible = false
            write("flame-graph: \(Console.oneLine(text))\n")
        }
    }

    /// Prints a warning (callers check `--quiet`), erasing the progress first.
    func warning(_ text: String) { message("warning: \(text)") }

    private func write(_ s: String) { context.stderr(Array(s.utf8)) }

    /// `75s/120s`-style elapsed time.
    static func seconds(_ elapsed: Double, of total: Int?) -> String {
        CaptureText.seconds(elapsed, of: total.map(Double.init))
    }

    /// `1 sample`, `2,954 samples`.
    static func count(_ n: Double, _ noun: String) -> String { CaptureText.count(n, noun) }
}
