import FlameGraphCore

#if canImport(Glibc)
    import Glibc
#endif

/// A capture's private temporary directory: made with `mkdtemp` (mode 0700) and removed with what is
/// in it, on every path (the runner's `defer`, and `abort()` from the signal thread).
enum TemporaryDirectory {
    /// A new directory under `base` (default `/tmp`).
    static func make(prefix: String, base: String?) throws -> String {
        var base = base ?? "/tmp"
        if base.isEmpty { base = "/tmp" }
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        StaleRuns.clean(base: base, prefix: prefix)
        var template = Array("\(base)/\(StaleRuns.ownPrefix(prefix))-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            let why = String(cString: strerror(errno))
            throw FlameGraphError(.cannotCreate, "cannot create a temporary directory in \(base): \(why) (set TMPDIR)")
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes `path`, a file or a directory with everything in it; a missing path is fine.
    static func remove(_ path: String) {
        StaleRuns.removeTree(path)
    }
}
