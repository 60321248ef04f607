/// The profile formats every command that takes a profile understands (`--format` ids).
public enum ProfileFormat: String, Sendable, CaseIterable {
    case folded
    case perf
    case cpuprofile
    case pprof
    case speedscope
    case svg
    case diffFolded = "diff-folded"
    case nettrace

    /// What a converter says about an input it is shown.
    public enum Verdict: Sendable, Equatable {
        case notMine
        case mine
    }

    /// Guesses the format from the first bytes of an input; nil when nothing recognises it.
    /// Order matters: binary and markup formats first, then JSON flavours, then the line formats.
    public static func sniff(_ prefix: UnsafeRawBufferPointer) -> ProfileFormat? {
        let bytes = prefix.bindMemory(to: UInt8.self)
        if bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B { return .pprof }
        if NetTraceStream.looksLikeNetTrace(bytes) { return .nettrace }
        var i = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }  // BOM
        while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D) {
            i += 1
        }
        guard i < bytes.count else { return nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[i...]), as: UTF8.self)
        // Markup, unless it is a line format whose first frame starts with `<` (`<module>`, `<lambda>`).
        if bytes[i] == UInt8(ascii: "<") && (text.hasPrefix("<?xml") || text.hasPrefix("<svg") || text.hasPrefix("<!"))
        {
            return text.contains("<svg") ? .svg : nil
        }
        if bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") {
            if text.contains("speedscope") || text.contains("\"shared\"") { return .speedscope }
            if text.contains("\"nodes\"") || text.contains("\"callFrame\"") { return .cpuprofile }
            return nil
        }
        // Binary is pprof only if it opens with a Profile field's tag (fields 1–14, varint or length-
        // delimited): text with a stray NUL is not reported as a broken protobuf.
        if looksBinary(bytes) {
            let field = bytes[0] >> 3, wire = bytes[0] & 7
            return (1...14).contains(field) && (wire == 0 || wire == 2) ? .pprof : nil
        }
        // Line formats: 64 KB of whole lines say enough (the reader may hand over a whole first chunk
        // of 1 MB, and scoring it all as Characters cost ~15 % of reading a 50 MB file).
        let cut = UnsafeBufferPointer(rebasing: bytes[i..<min(bytes.count, i + 65536)])
        let head =
            cut.count < bytes.count - i && cut.lazy.filter({ $0 == 0x0A }).count >= 2
            ? String(decoding: cut, as: UTF8.self) : text
        let lines = head.split(separator: "\n", maxSplits: 400, omittingEmptySubsequences: true).prefix(400)
        var perfScore = 0
        var foldedScore = 0
        var twoColumn = 0
        for line in lines {
            let trimmed = line.trimmingTrailingBlanks()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if let first = line.first, first == "\t" || first == " " {
                if isPerfFrameLine(trimmed) { perfScore += 1 }
                continue
            }
            if trimmed.hasSuffix(":") && trimmed.contains(": ") { perfScore += 2 }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, isNumber(fields[fields.count - 1]) {
                foldedScore += 1
                if fields.count >= 3, isNumber(fields[fields.count - 2]) { twoColumn += 1 }
            }
        }
        if perfScore > 0 && perfScore >= foldedScore { return .perf }
        if foldedScore > 0 { return .folded }
        return nil
    }

    static func isNumber(_ s: Substring) -> Bool {
        var digits = 0
        var dots = 0
        for c in s.utf8 {
            if c >= 0x30 && c <= 0x39 {
                digits += 1
            } else if c == 0x2E {
                dots += 1
            } else {
                return false
            }
        }
        return digits > 0 && dots <= 1
    }

    /// `\tffffffff81234567 sym+0x12 (dso)`-shaped: leading hex address then more.
    static func isPerfFrameLine(_ line: Substring) -> Bool {
        let t = line.drop(while: { $0 == " " || $0 == "\t" })
        var hex = 0
        for c in t.utf8 {
            if (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) {
                hex += 1
            } else {
                return hex > 0 && c == 0x20
            }
        }
        return false
    }

    static func looksBinary(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var control = 0
        let n = min(bytes.count, 4096)
        for k in 0..<n where bytes[k] < 0x09 || (bytes[k] > 0x0D && bytes[k] < 0x20) { control += 1 }
        return control * 20 > n || (n > 0 && bytes[0] == 0x0A && control > 0)
    }
}

extension Substring {
    func trimmingTrailingBlanks() -> Substring {
        var s = self
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
        return s
    }
}
