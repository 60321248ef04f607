/// Frame identity for comparing profiles: what a rebuild, a line shift or a new process id changes in a
/// frame name is removed, so that it is not mistaken for a regression.
///
/// - hex addresses `0x7f3a…` become `0x...`;
/// - Rust legacy hashes `::h0123456789abcdef` are dropped;
/// - source positions — a `(file:line)` / `(file:line:col)` suffix or a trailing `:line[:col]` — are
///   dropped unless `keepLines`;
/// - on the root frame (process or thread name): a trailing `-PID`, `-PID/TID` or `-?` (perf's
///   `--pid`/`--tid`) is dropped, then numbers after a separator (`pool-1-thread`, `Thread-12 x`,
///   `worker#4`) become `N`.
///
/// Normalising twice changes nothing (tested).
public struct FrameNormalizer: Sendable {
    public var keepLines = false
    public var enabled = true

    public init(keepLines: Bool = false, enabled: Bool = true) {
        self.keepLines = keepLines
        self.enabled = enabled
    }

    /// The identity of a frame at `depth` (1 = root frame).
    public func normalize(_ name: String, depth: Int) -> String {
        guard enabled else { return name }
        var s = Array(name.unicodeScalars)
        s = Self.replaceHex(s)
        s = Self.dropRustHash(s)
        if !keepLines { s = Self.dropSourcePosition(s) }
        if depth == 1 { s = Self.normalizeProcessName(s) }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: s)
        return String(out)
    }

    /// A copy of `profile` with every frame normalised (stacks that become equal are merged).
    public func apply(_ profile: Profile) -> Profile {
        guard enabled else { return profile }
        var out = Profile()
        out.unit = profile.unit
        // Renaming frames changes no weight: one sample still weighs the same.
        out.samplingInterval = profile.samplingInterval
        if profile.isDifferential { out.makeDifferential() }
        var map = [Int32](repeating: 0, count: profile.nodeCount)
        var cache: [Int64: Int32] = [:]  // (name id, is root) → normalised name id
        for node in 1..<max(profile.nodeCount, 1) {
            let nameID = profile.name[node]
            let isRoot = profile.depth[node] == 1
            let key = Int64(nameID) << 1 | (isRoot ? 1 : 0)
            let id: Int32
            if let cached = cache[key] {
                id = cached
            } else {
                id = out.names.intern(normalize(profile.names.string(nameID), depth: isRoot ? 1 : 2))
                cache[key] = id
            }
            let mine = out.child(of: map[Int(profile.parent[node])], named: id)
            map[node] = mine
            out.selfWeight[Int(mine)] += profile.selfWeight[node]
            if let before = profile.selfBefore { out.selfBefore![Int(mine)] += before[node] }
        }
        return out
    }

    static func isHex(_ c: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(c) || ("a"..."f").contains(c) || ("A"..."F").contains(c)
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    static func isWordChar(_ c: Unicode.Scalar) -> Bool {
        isDigit(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_"
    }

    /// `0x` + hex digits → `0x...` (when not inside a longer word).
    static func replaceHex(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == "0", i + 1 < s.count, s[i + 1] == "x" || s[i + 1] == "X",
                i == 0 || !isWordChar(s[i - 1])
            {
                var j = i + 2
                while j < s.count && isHex(s[j]) { j += 1 }
                if j > i + 2 {
                    out.append(contentsOf: "0x...".unicodeScalars)
                    i = j
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    /// `…::h` + 16 hex digits at the end → dropped.
    static func dropRustHash(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.count > 19 else { return s }
        let start = s.count - 19
        guard s[start] == ":", s[start + 1] == ":", s[start + 2] == "h" else { return s }
        for c in s[(start + 3)...] where !isHex(c) { return s }
        return Array(s[..<start])
    }

    /// ` (file:12)`, `(file:12:3)` or a trailing `:12` / `:12:3` → dropped.
    static func dropSourcePosition(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = s
        if s.last == ")", let open = s.lastIndex(of: "(") {
            let inner = Array(s[(open + 1)..<(s.count - 1)])
            if endsWithLinePosition(inner) != nil {
                var cut = open
                while cut > 0 && s[cut - 1] == " " { cut -= 1 }
                if cut > 0 { return Array(s[..<cut]) }
            }
        }
        if let cut = endsWithLinePosition(s), cut > 0 { s = Array(s[..<cut]) }
        return s
    }

    /// Where a trailing `:digits` or `:digits:digits` starts, if there is one after a non-colon.
    static func endsWithLinePosition(_ s: [Unicode.Scalar]) -> Int? {
        var i = s.count
        var groups = 0
        while groups < 2 {
            var j = i
            while j > 0 && isDigit(s[j - 1]) { j -= 1 }
            guard j < i, j > 0, s[j - 1] == ":" else { break }
            groups += 1
            i = j - 1
            if i > 0 && s[i - 1] == ":" { return nil }  // `::123` is not a position
        }
        return groups > 0 && i > 0 ? i : nil
    }

    /// `java-1234`, `java-1234/5678`, `java-?` → `java`; `pool-1-thread-3` → `pool-N-thread`.
    static func normalizeProcessName(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = s
        // perf --pid / --tid suffixes.
        if let dash = s.lastIndex(of: "-"), dash > 0 {
            let tail = s[(dash + 1)...]
            let isPidTid = !tail.isEmpty && (tail.allSatisfy { isDigit($0) || $0 == "/" || $0 == "?" })
            if isPidTid { s = Array(s[..<dash]) }
        }
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < s.count {
            if isDigit(s[i]), i > 0, "-_#: ".unicodeScalars.contains(s[i - 1]) {
                var j = i
                while j < s.count && isDigit(s[j]) { j += 1 }
                if j == s.count || !isWordChar(s[j]) || s[j] == "_" {
                    out.append("N")
                    i = j
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }
}
