/// Text from a profile (frame names) or a peer (a service's error page) made safe to show on a
/// terminal: C0 controls and DEL (ESC, NUL, CR…) become spaces, and C1 controls (U+0080–U+009F: 0x9B
/// is a one-byte CSI) and the bidirectional overrides and isolates that reorder what is shown
/// (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) become U+FFFD, visibly.
public enum TerminalText {
    /// `text` on one line: newlines and tabs become spaces too.
    public static func oneLine(_ text: String) -> String { clean(text, keepLines: false) }

    /// `text` with its newlines and tabs kept (a report of several lines).
    public static func lines(_ text: String) -> String { clean(text, keepLines: true) }

    private static func clean(_ text: String, keepLines: Bool) -> String {
        guard text.unicodeScalars.contains(where: { unsafe($0.value, keepLines: keepLines) }) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if !unsafe(s.value, keepLines: keepLines) {
                out.append(s)
            } else {
                out.append(s.value < 0x80 ? " " : "\u{FFFD}")
            }
        }
        return String(out)
    }

    private static func unsafe(_ v: UInt32, keepLines: Bool) -> Bool {
        if v < 0x20 { return !(keepLines && (v == 0x0A || v == 0x09)) }
        return v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200E || v == 0x200F || v == 0x061C
    }
}
