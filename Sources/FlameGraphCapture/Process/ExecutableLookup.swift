import FlameGraphCore

#if canImport(Glibc)
    import Glibc
#endif

/// `which`: finds a program on `PATH`.
public enum ExecutableLookup {
    /// The first executable regular file named `name` in the directories of `searchPath` (a `PATH`
    /// value; empty entries mean the current directory, as the shell has it). A name with a `/` is
    /// checked as given.
    public static func find(_ name: String, searchPath: String? = ProcessEnvironment.value("PATH")) -> String? {
        if name.contains("/") { return isExecutableFile(name) ? name : nil }
        let path = searchPath ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let base = dir.isEmpty ? "." : String(dir)
            let candidate = base.hasSuffix("/") ? base + name : base + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    public static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}

/// The profilers flame-graph drives, and how to install each.
public enum Profiler: String, Sendable, CaseIterable {
    case perf
    case pySpy = "py-spy"

    /// The command that installs it on Debian/Ubuntu (perf) or from PyPI (py-spy).
    public var installCommand: String {
        switch self {
        case .perf: return "apt-get install linux-perf"
        case .pySpy: return "pip install py-spy"
        }
    }

    /// The profiler's path on `searchPath`.
    ///
    /// - Throws: `FlameGraphError(.unavailable)`: "perf not found on PATH: install it with `apt-get install linux-perf`".
    public func locate(searchPath: String? = ProcessEnvironment.value("PATH")) throws -> String {
        guard let path = ExecutableLookup.find(rawValue, searchPath: searchPath) else {
            throw FlameGraphError(.unavailable, "\(rawValue) not found on PATH: install it with `\(installCommand)`")
        }
        return path
    }
}
