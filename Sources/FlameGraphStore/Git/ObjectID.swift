import CLibGit2

/// A git object id (SHA-1, as libgit2 1.5 knows them), comparable and hashable — `git_oid` is neither.
struct ObjectID: Hashable, CustomStringConvertible {
    var raw: git_oid

    init(_ raw: git_oid) { self.raw = raw }

    /// Parses a full 40-digit hex id (either case); nil for anything else.
    init?(hex: String) {
        guard Self.isFullHex(hex) else { return nil }
        var oid = git_oid()
        guard git_oid_fromstr(&oid, hex) == 0 else { return nil }
        raw = oid
    }

    /// Whether `text` is a full hex object id (40 digits, either case).
    static func isFullHex(_ text: String) -> Bool {
        let utf8 = text.utf8
        return utf8.count == Int(GIT_OID_HEXSZ)
            && utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
            }
    }

    /// Lowercase hex, as git prints it.
    var hex: String {
        var copy = raw
        return String(unsafeUninitializedCapacity: Int(GIT_OID_HEXSZ)) { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = git_oid_fmt(chars.baseAddress, &copy)
            }
            return Int(GIT_OID_HEXSZ)
        }
    }

    var description: String { hex }

    static func == (a: ObjectID, b: ObjectID) -> Bool {
        var a = a.raw, b = b.raw
        return git_oid_equal(&a, &b) != 0
    }

    func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: raw) { hasher.combine(bytes: $0) }
    }
}
