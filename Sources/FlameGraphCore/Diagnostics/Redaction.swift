/// The one place secrets are taken out of text that is shown or stored: user names and passwords in
/// URLs (`http://user:pass@host/…` → `http://host/…`). Every URL written to a message, a progress
/// line, a report or a baseline's metadata goes through here.
public enum Redaction {
    /// `text` with the `user[:password]@` part of every `scheme://` URL in it removed.
    public static func url(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var i = 0
        var changed = false
        while i + 3 <= bytes.count {
            guard bytes[i] == 0x3A, bytes[i + 1] == 0x2F, bytes[i + 2] == 0x2F, i > 0, isSchemeByte(bytes[i - 1])
            else {
                i += 1
                continue
            }
            // The authority runs to the first '/', '?', '#' or whitespace; its last '@' ends the userinfo.
            let authority = i + 3
            var end = authority
            var at: Int? = nil
            while end < bytes.count, ![0x2F, 0x3F, 0x23, 0x20, 0x09, 0x0A, 0x0D, 0x22, 0x27].contains(bytes[end]) {
                if bytes[end] == 0x40 { at = end }
                end += 1
            }
            if let at {
                bytes.removeSubrange(authority...at)
                changed = true
                end = authority
            }
            i = max(end, i + 3)
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// The URL form of `url(_:)` for a Foundation-free caller holding a `CustomStringConvertible` URL.
    public static func url<T: CustomStringConvertible>(_ value: T) -> String { url(value.description) }

    private static func isSchemeByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D
            || b == 0x2E
    }
}
