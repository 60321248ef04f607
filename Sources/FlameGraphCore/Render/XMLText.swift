/// The one place where text enters XML: escaping `& < > " '`, dropping code points XML 1.0 cannot
/// carry (NUL, ESC and the other C0 controls but tab/newline/return, U+FFFE, U+FFFF) and bidi
/// controls, and replacing invalid UTF-8 with U+FFFD.
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

    /// Appends UTF-8 bytes, escaped, to `out`. Whatever the bytes, the result is well-formed XML text:
    /// invalid UTF-8 (stray continuation bytes, overlong forms, surrogates, truncated sequences)
    /// becomes U+FFFD, and the bidirectional embedding/override/isolate controls (U+202A–U+202E,
    /// U+2066–U+2069) are dropped so a frame name cannot reorder the text around it.
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
            case 0x20..<0x7F: out.append(c)
            default:
                let length = sequenceLength(bytes, at: i)
                if length == 0 {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])  // U+FFFD for one bad byte
                    i += 1
                    continue
                }
                if !isDropped(bytes, at: i, length: length) {
                    for k in 0..<length { out.append(bytes[i + k]) }
                }
                i += length
                continue
            }
            i += 1
        }
    }

    /// The length of the valid UTF-8 sequence starting at `i` (a lead byte ≥ 0x80), or 0 if invalid
    /// (the rules of Unicode's table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
    static func sequenceLength(_ b: UnsafeRawBufferPointer, at i: Int) -> Int {
        let n = b.count
        let c = b[i]
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i + k < n && b[i + k] >= lo && b[i + k] <= hi
        }
        switch c {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }

    /// U+FFFE and U+FFFF (not XML characters) and the bidi embedding/override/isolate controls.
    static func isDropped(_ b: UnsafeRawBufferPointer, at i: Int, length: Int) -> Bool {
        guard length == 3 else { return false }
        let (x, y, z) = (b[i], b[i + 1], b[i + 2])
        if x == 0xEF && y == 0xBF && (z == 0xBE || z == 0xBF) { return true }
        if x == 0xE2 && y == 0x80 && z >= 0xAA && z <= 0xAE { return true }  // U+202A–U+202E
        if x == 0xE2 && y == 0x81 && z >= 0xA6 && z <= 0xA9 { return true }  // U+2066–U+2069
        return false
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
