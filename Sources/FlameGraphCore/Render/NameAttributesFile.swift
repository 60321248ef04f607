/// Parses `--nameattr` files: one function a line, `NAME<TAB>key=value<TAB>key=value…`, as flamegraph.pl
/// and inferno read them. `g_extra` / `a_extra` values hold further `key="value"` pairs. Blank lines and
/// lines without attributes are skipped.
public enum NameAttributesFile {
    public static func parse(_ text: String) -> [String: RenderOptions.FrameAttributes] {
        var out: [String: RenderOptions.FrameAttributes] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2 else { continue }
            let name = String(fields[0])
            var attrs = out[name] ?? RenderOptions.FrameAttributes()
            for field in fields.dropFirst() {
                guard let eq = field.firstIndex(of: "=") else { continue }
                let key = String(field[..<eq]).trimmingBlanks()
                let value = String(field[field.index(after: eq)...]).trimmingTrailingNewline()
                switch key {
                case "title": attrs.title = value
                case "href": attrs.href = value
                case "g_extra", "a_extra": attrs.attributes.append(contentsOf: extraPairs(value))
                case "": continue
                default:
                    if isAttributeName(key) { attrs.attributes.append((key, value)) }
                }
            }
            out[name] = attrs
        }
        return out
    }

    /// `stroke-width="1" stroke="green"` → pairs; anything that is not a well-formed pair is dropped, so
    /// the file cannot inject markup.
    static func extraPairs(_ s: String) -> [(String, String)] {
        var out: [(String, String)] = []
        var rest = Substring(s)
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = String(rest[..<eq])
            var after = rest[rest.index(after: eq)...]
            guard after.first == "\"" else { break }
            after = after.dropFirst()
            guard let close = after.firstIndex(of: "\"") else { break }
            if isAttributeName(key) { out.append((key, String(after[..<close]))) }
            rest = after[after.index(after: close)...]
        }
        return out
    }

    static func isAttributeName(_ s: String) -> Bool {
        !s.isEmpty
            && s.unicodeScalars.allSatisfy {
                ($0.value >= 0x61 && $0.value <= 0x7A) || ($0.value >= 0x41 && $0.value <= 0x5A)
                    || ($0.value >= 0x30 && $0.value <= 0x39) || $0 == "-" || $0 == "_" || $0 == ":"
            }
    }
}

/// `--cp` palette maps: `NAME->rgb(R,G,B)` lines, so a function keeps its colour across graphs.
public enum PaletteMapFile {
    public static func parse(_ text: String) -> [String: Palette.RGB] {
        var out: [String: Palette.RGB] = [:]
        for line in text.split(separator: "\n") {
            guard let arrow = line.lastRange(of: "->rgb(") else { continue }
            let name = String(line[..<arrow.lowerBound])
            let nums = line[arrow.upperBound...].dropLast().split(separator: ",").compactMap { Int($0) }
            if nums.count == 3 { out[name] = Palette.RGB(nums[0], nums[1], nums[2]) }
        }
        return out
    }

    /// Sorted by name, one line each.
    public static func serialize(_ map: [String: Palette.RGB]) -> String {
        map.keys.sorted().map { "\($0)->\(map[$0]!)\n" }.joined()
    }
}

extension String {
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }

    func trimmingTrailingNewline() -> String {
        var s = Substring(self)
        while s.last == "\r" || s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}

extension Substring {
    func lastRange(of needle: String) -> Range<Substring.Index>? {
        var found: Range<Substring.Index>? = nil
        var search = self[...]
        while let r = search.firstRange(of: needle) {
            found = r
            search = self[r.upperBound...]
        }
        return found
    }
}
