/// Reads a flame-graph SVG back into a profile: ours exactly, from the embedded stacks.
enum SVGProfileReader {
    static func read(_ bytes: [UInt8], sourceName: String) throws -> (Profile, Diagnostics) {
        let text = String(decoding: bytes, as: UTF8.self)
        // Version 2 (`encoding="zlib-base64"`) and version 1 (XML-escaped text) of the embedded stacks.
        if let open = text.firstRange(of: "<metadata id=\"flame-graph-stacks\""),
            let tagEnd = text[open.upperBound...].firstIndex(of: ">")
        {
            let attributes = text[open.upperBound..<tagEnd]
            let contentStart = text.index(after: tagEnd)
            guard let close = text[contentStart...].firstRange(of: "</metadata>") else {
                throw FlameGraphError(.badInput, "\(sourceName): SVG ends inside its embedded stacks (truncated file?)")
            }
            let content = text[contentStart..<close.lowerBound]
            do {
                let profile =
                    attributes.contains("encoding=\"zlib-base64\"")
                    ? try EmbeddedStacks.readEncoded(Array(content.utf8)[...])
                    : try EmbeddedStacks.read(Array(unescapeXML(content).utf8)[...])
                if let profile {
                    guard profile.totalWeight > 0 || profile.isDifferential else {
                        throw FlameGraphError(.badInput, "\(sourceName): the flame graph holds no samples")
                    }
                    return (profile, Diagnostics())
                }
            } catch let e as FlameGraphError {
                throw FlameGraphError(e.kind, "\(sourceName): \(e.message)")
            }
        }
        return try SVGFrameGeometry.read(text, sourceName: sourceName)
    }

    /// Undoes XML escaping: the five named entities and numeric character references.
    static func unescapeXML(_ s: Substring) -> String {
        guard s.contains("&") else { return String(s) }
        var out = String.UnicodeScalarView()
        var i = s.unicodeScalars.startIndex
        let scalars = s.unicodeScalars
        while i < scalars.endIndex {
            let c = scalars[i]
            if c == "&", let semi = scalars[i...].prefix(12).firstIndex(of: ";") {
                let entity = String(scalars[scalars.index(after: i)..<semi])
                var replacement: Unicode.Scalar? = nil
                switch entity {
                case "amp": replacement = "&"
                case "lt": replacement = "<"
                case "gt": replacement = ">"
                case "quot": replacement = "\""
                case "apos": replacement = "'"
                default:
                    if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let v = UInt32(entity.dropFirst(2), radix: 16)
                    {
                        replacement = Unicode.Scalar(v)
                    } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()) {
                        replacement = Unicode.Scalar(v)
                    }
                }
                if let replacement {
                    out.append(replacement)
                    i = scalars.index(after: semi)
                    continue
                }
            }
            out.append(c)
            i = scalars.index(after: i)
        }
        return String(out)
    }
}
