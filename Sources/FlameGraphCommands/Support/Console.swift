#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Messages for people: warnings and errors on stderr, one line each, prefixed with the tool name.
enum Console {
    static func warn(_ message: String) {
        writeErr("flame-graph: warning: \(oneLine(message))\n")
    }

    static func error(_ message: String) {
        writeErr("flame-graph: error: \(oneLine(message))\n")
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    static func writeErr(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = write(2, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }

    /// Control characters (a hostile file name, an escape sequence) never reach the terminal.
    static func oneLine(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }
}
