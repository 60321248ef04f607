import FlameGraphCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The one-line progress display of long work on stderr: only when stderr is a terminal and not
/// `--quiet`; rewritten in place with `\r`; styled only when `NO_COLOR` is unset and `TERM` is not
/// `dumb`. Messages from other threads (the signal monitor) go through it so lines never interleave.
final class ProgressLine: Sendable {
    let enabled: Bool
    let styled: Bool
    private let shown = Mutex(false)

    init(quiet: Bool) {
        enabled = !quiet && Console.stderrIsTerminal
        let environment = ProcessInfo.processInfo.environment
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        styled = enabled && !noColor && environment["TERM"] != "dumb"
    }

    /// Replaces the line with `text`.
    func update(_ text: String) {
        guard enabled else { return }
        let body = Console.oneLine(text)
        let line = styled ? "\r\u{1B}[2m\(body)\u{1B}[0m\u{1B}[K" : "\r\(body)\u{1B}[K"
        shown.withLock { visible in
            Console.writeErr(line)
            visible = true
        }
    }

    /// Erases the line.
    func clear() {
        guard enabled else { return }
        shown.withLock { visible in
            if visible { Console.writeErr("\r\u{1B}[K") }
            visible = false
        }
    }

    /// Prints a message line (even when the progress display is off), erasing the progress first.
    func message(_ text: String) {
        shown.withLock { visible in
            if visible { Console.writeErr("\r\u{1B}[K") }
            visible = false
            Console.writeErr("flame-graph: \(Console.oneLine(text))\n")
        }
    }

    /// `75s/120s`-style elapsed time.
    static func seconds(_ elapsed: Double, of total: Int?) -> String {
        let e = Int(elapsed.rounded(.down))
        return total.map { "\(e)s/\($0)s" } ?? "\(e)s"
    }

    /// `1 sample`, `2,954 samples`.
    static func count(_ n: Double, _ noun: String) -> String {
        "\(NumberFormatting.grouped(n)) \(noun)\(n == 1 ? "" : "s")"
    }
}
