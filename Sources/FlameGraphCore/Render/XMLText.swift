/// The one place where text enters XML: escaping `& < > " '` and dropping code points XML 1.0 cannot
/// carry (NUL, ESC and the other C0 controls but tab/newline/return, U+FFFE, U+FFFF). Invalid UTF-8 has
/// already become U+FFFD by the time a name is a `String`.
public enum XMLText {
    /// `text`, escaped for an XML attribute value or element content.
    public static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text`, escaped, to `out`.
    @inline(__always)
    public static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { append(utf8: UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Appends valid UTF-8 bytes, escaped, to `out`.
    public static func append(utf8 bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            switch c {
            case 0x26: out.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
            case 0x3C: out.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
            case 0x3E: out.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])  // &gt;
            case 0x22: out.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])  // &quot;
            case 0x27: out.append(contentsOf: [0x26, 0x23, 0x33, 0x39, 0x3B])  // &#39;
            case 0x09, 0x0A, 0x0D: out.append(c)
            case 0..<0x20, 0x7F: break  // C0 controls and DEL: not allowed / not wanted
            case 0xEF where i + 2 < n && bytes[i + 1] == 0xBF && (bytes[i + 2] == 0xBE || bytes[i + 2] == 0xBF):
                i += 2  // U+FFFE, U+FFFF
            default: out.append(c)
            }
            i += 1
        }
    }

    /// Shortens `name` to at most `maxChars` characters, ending in ".." when cut, as both peers label
    /// frames; fewer than 3 characters of room gives an empty label. Cut before escaping, so an entity is
    /// never split.
    public static func truncate(_ name: String, maxChars: Int, fromLeft: Bool = false) -> String {
        if maxChars < 3 { return "" }
        let scalars = name.unicodeScalars
        if scalars.count <= maxChars { return name }
        var view = String.UnicodeScalarView()
        if fromLeft {
            view.append(contentsOf: scalars.suffix(maxChars - 2))
            return ".." + String(view)
        }
        view.append(contentsOf: scalars.prefix(maxChars - 2))
        return String(view) + ".."
    }
}
