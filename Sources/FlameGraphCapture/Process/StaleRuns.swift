#if canImport(Glibc)
    import Glibc
#endif

/// Temporary directories of runs that died without cleaning up (SIGKILL, OOM killer, power loss).
///
/// A run's directory is named `PREFIX-PID-XXXXXX` (its owner's pid inside); the next run removes every
/// `PREFIX-PID-*` directory in the same place whose owner is gone and that belongs to our user. A pid
/// that is alive again (reused) only delays the clean-up: a directory is never taken from a live process.
public enum StaleRuns {
    /// The `mkdtemp` prefix of a new run's directory: `PREFIX-OURPID`.
    public static func ownPrefix(_ prefix: String) -> String { "\(prefix)-\(getpid())" }

    /// Removes the directories of dead runs named `PREFIX-PID-*` directly in `base`; returns their paths.
    @discardableResult
    public static func clean(base: String, prefix: String) -> [String] {
        guard let dir = opendir(base) else { return [] }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(prefix + "-") { names.append(name) }
        }
        closedir(dir)
        var removed: [String] = []
        for name in names {
            let parts = name.dropFirst(prefix.count + 1).split(separator: "-", maxSplits: 1)
            guard parts.count == 2, let pid = pid_t(parts[0]), pid > 0, pid != getpid() else { continue }
            guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
            let path = base + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == getuid() else { continue }
            removeTree(path)
            removed.append(path)
        }
        return removed
    }

    /// Removes `path` — a file, or a directory and what is in it — without following symbolic links;
    /// a missing path is fine. The one tree removal of the tool (temporary files, run folders).
    public static func removeTree(_ path: String) {
        if unlink(path) == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM, let dir = opendir(path) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names { removeTree(path + "/" + name) }
        rmdir(path)
    }
}
