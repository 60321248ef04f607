/// Parses `--nameattr` files: one function a line, `NAME<TAB>key=value<TAB>key=value…`, as flamegraph.pl
/// and inferno read them. `g_extra` / `a_extra` values hold further `key="value"` pairs. Blank lines and
/// empty fields are skipped.
///
/// Every attribute is written once per frame (duplicates would make the SVG ill-formed XML): when a
/// function is listed twice, or a key repeats, the last value wins and one warning says so. Lines and
/// fields that cannot be used are skipped with one warning per kind, naming the first line.
public enum NameAttributesFile {
    public static func parse(_ text: String, source: String = "--nameattr", diagnostics: inout Diagnostics)
        -> [String: RenderOptions.FrameAttributes]
    {
        var out: [String: RenderOptions.FrameAttributes] = [:]
        var firstLine: [String: Int] = [:]
        var problems = ProblemTally()
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2 else {
                problems.note("no TAB between the name and its attributes (line skipped)", lineNumber)
                continue
            }
            let name = String(fields[0])
            if firstLine[name] != nil {
                problems.note("a function listed again (the last value of each attribute wins)", lineNumber)
            } else {
                firstLine[name] = lineNumber
            }
            var attrs = out[name] ?? RenderOptions.FrameAttributes()
            for field in fields.dropFirst() where !field.allSatisfy({ $0 == " " }) {
                guard let eq = field.firstIndex(of: "=") else {
                    problems.note("a field that is not key=value (field skipped)", lineNumber)
                    continue
                }
                let key = String(field[..<eq]).trimmingBlanks()
                let value = String(field[field.index(after: eq)...])
                switch key {
                case "title": attrs.title = value
                case "href", "xlink:href": attrs.href = value
                case "g_extra", "a_extra":
                    let (pairs, clean) = extraPairs(value)
                    if !clean { problems.note("a \(key) that is not key=\"value\" pairs (rest skipped)", lineNumber) }
                    for (k, v) in pairs { attrs.set(k, v) }
                default:
                    if isAttributeName(key) {
                        attrs.set(key, value)
                    } else {
                        problems.note("an attribute name that is not an XML name (field skipped)", lineNumber)
                    }
                }
            }
            out[name] = attrs
        }
        for message in problems.messages { diagnostics.warn("\(source): \(message)") }
        return out
    }

    /// `stroke-width="1" stroke="green"` → pairs, and whether all of `s` was well-formed pairs. Anything
    /// else is dropped, so the file cannot inject markup.
    static func extraPairs(_ s: String) -> ([(String, String)], Bool) {
        var out: [(String, String)] = []
        var rest = Substring(s)
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            if rest.isEmpty { return (out, true) }
            guard let eq = rest.firstIndex(of: "=") else { return (out, false) }
            let key = String(rest[..<eq])
            var after = rest[rest.index(after: eq)...]
            guard after.first == "\"" else { return (out, false) }
            after = after.dropFirst()
            guard let close = after.firstIndex(of: "\"") else { return (out, false) }
            guard isAttributeName(key), key != "xlink:href" else { return (out, false) }
            out.append((key, String(after[..<close])))
            rest = after[after.index(after: close)...]
        }
    }

    static func isAttributeName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first != "-", !(first.value >= 0x30 && first.value <= 0x39)
        else { return false }
        return s.unicodeScalars.allSatisfy {
            ($0.value >= 0x61 && $0.value <= 0x7A) || ($0.value >= 0x41 && $0.value <= 0x5A)
                || ($0.value >= 0x30 && $0.value <= 0x39) || $0 == "-" || $0 == "_" || $0 == ":"
        }
    }
}

/// Counts problems by kind for a "N lines …, first at line L" warning instead of one warning per line.
struct ProblemTally {
    private var order: [String] = []
    private var counts: [String: (count: Int, first: Int)] = [:]

    mutating func note(_ kind: String, _ line: Int) {
        if let c = counts[kind] {
            counts[kind] = (c.count + 1, c.first)
        } else {
            counts[kind] = (1, line)
            order.append(kind)
        }
    }

    var messages: [String] {
        order.map { kind in
            let c = counts[kind]!
            return "\(kind) on \(c.count) line\(c.count == 1 ? "" : "s"), first line \(c.first)"
        }
    }
}

extension RenderOptions.FrameAttributes {
    /// Sets `key`, replacing an earlier value in place so every attribute appears once.
    mutating func set(_ key: String, _ value: String) {
        if let i = attributes.firstIndex(where: { $0.0 == key }) {
            attributes[i].1 = value
        } else {
            attributes.append((key, value))
        }
    }
}

/// `--cp` palette maps: `NAME->rgb(R,G,B)` lines, so a function keeps its colour across graphs.
public enum PaletteMapFile {
    public static func parse(_ text: String, source: String = "palette.map", diagnostics: inout Diagnostics)
        -> [String: Palette.RGB]
    {
        var out: [String: Palette.RGB] = [:]
        var problems = ProblemTally()
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty { continue }
            guard let arrow = line.lastRange(of: "->rgb("), line.hasSuffix(")") else {
                problems.note("a line that is not NAME->rgb(R,G,B) (skipped)", lineNumber)
                continue
            }
            let name = String(line[..<arrow.lowerBound])
            let nums = line[arrow.upperBound...].dropLast().split(separator: ",", omittingEmptySubsequences: false)
                .map { Int($0.trimmingBlanksSubstring()) }
            guard nums.count == 3, let r = nums[0], let g = nums[1], let b = nums[2],
                [r, g, b].allSatisfy({ (0...255).contains($0) })
            else {
                problems.note("a colour outside rgb(0…255,0…255,0…255) (line skipped)", lineNumber)
                continue
            }
            out[name] = Palette.RGB(r, g, b)
        }
        for message in problems.messages { diagnostics.warn("\(source): \(message)") }
        return out
    }

    /// Sorted by name, one line each.
    public static func serialize(_ map: [String: Palette.RGB]) -> String {
        map.keys.sorted().map { "\($0)->\(map[$0]!)\n" }.joined()
    }
}

extension Substring {
    func trimmingBlanksSubstring() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    func trimmingBlanks() -> String { String(Substring(self).trimmingBlanksSubstring()) }
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
