#if canImport(Glibc)
    import Glibc
#endif

/// Readers of `/proc/PID/…`. Every function takes the `/proc` mount point so tests can point it at a
/// canned tree; the default is the real one.
public enum ProcFS {
    public static let defaultRoot = "/proc"

    /// What we can tell about a pid.
    public enum Presence: Sendable, Equatable {
        /// Running (or sleeping, stopped…): something to profile.
        case alive
        /// Exited but not yet reaped by its parent.
        case zombie
        /// No such process.
        case absent
    }

    /// Whether `pid` names a live process. `kill(pid, 0)` answers for processes we may not signal too
    /// (EPERM means it exists); `/proc/PID/stat` tells a zombie apart.
    public static func presence(of pid: Int32, root: String = defaultRoot) -> Presence {
        guard pid > 0 else { return .absent }
        if root == defaultRoot && kill(pid, 0) != 0 && errno == ESRCH { return .absent }
        guard let state = state(of: pid, root: root) else { return .absent }
        return state == "Z" || state == "X" ? .zombie : .alive
    }

    /// The one-letter state from `/proc/PID/stat` (R, S, D, Z, T…).
    public static func state(of pid: Int32, root: String = defaultRoot) -> Character? {
        guard let stat = statFields(of: pid, root: root), let first = stat.first else { return nil }
        return first.first
    }

    /// The parent pid from `/proc/PID/stat`.
    public static func parent(of pid: Int32, root: String = defaultRoot) -> Int32? {
        guard let stat = statFields(of: pid, root: root), stat.count > 1 else { return nil }
        return Int32(stat[1])
    }

    /// The fields of `/proc/PID/stat` after `(comm)`: state, ppid, pgrp, … (the comm, which may hold
    /// blanks and parentheses, is cut off at the last `)`).
    static func statFields(of pid: Int32, root: String) -> [Substring]? {
        guard let text = readText("\(root)/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// The process name (`/proc/PID/comm`, at most 15 bytes, set by the process).
    public static func comm(of pid: Int32, root: String = defaultRoot) -> String? {
        guard let text = readText("\(root)/\(pid)/comm") else { return nil }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    /// The command line (`/proc/PID/cmdline`, NUL-separated); empty for a kernel thread or a zombie.
    public static func commandLine(of pid: Int32, root: String = defaultRoot) -> [String]? {
        guard let bytes = readBytes("\(root)/\(pid)/cmdline") else { return nil }
        return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The executable's path (`/proc/PID/exe`); nil when it cannot be read (another user's process
    /// without privilege, a kernel thread).
    public static func executable(of pid: Int32, root: String = defaultRoot) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("\(root)/\(pid)/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        var path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".count) }
        return path
    }

    /// The thread ids of `pid` (`/proc/PID/task`).
    public static func threads(of pid: Int32, root: String = defaultRoot) -> [Int32] {
        directoryEntries("\(root)/\(pid)/task").compactMap { Int32($0) }.sorted()
    }

    /// Every pid under `/proc`.
    public static func allPIDs(root: String = defaultRoot) -> [Int32] {
        directoryEntries(root).compactMap { Int32($0) }.sorted()
    }

    /// Whether `pid` runs a Python interpreter: its executable is `python…`/`pypy…`, or its name or
    /// `argv[0]` says so, or it has `libpython` mapped (an embedding program). Servers started through
    /// a script (`gunicorn`, `uvicorn`) show as Python through their executable.
    public static func isPython(_ pid: Int32, root: String = defaultRoot) -> Bool {
        if let exe = executable(of: pid, root: root), isPythonName(basename(exe)) { return true }
        if let comm = comm(of: pid, root: root), isPythonName(comm) { return true }
        if let argv0 = commandLine(of: pid, root: root)?.first, isPythonName(basename(argv0)) { return true }
        if let maps = readBytes("\(root)/\(pid)/maps", limit: 8 << 20) {
            let needle = Array("/libpython".utf8)
            if contains(maps, needle) { return true }
        }
        return false
    }

    /// `python`, `python3`, `python3.11`, `python3.12d`, `pypy3`…
    public static func isPythonName(_ name: String) -> Bool {
        for prefix in ["python", "pypy"] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            return rest.allSatisfy { $0.isNumber || $0 == "." || $0 == "d" || $0 == "m" || $0 == "u" || $0 == "-" }
        }
        return false
    }

    /// A short description for messages: `1234 (python3 app.py)`.
    public static func describe(_ pid: Int32, root: String = defaultRoot) -> String {
        if let argv = commandLine(of: pid, root: root), !argv.isEmpty {
            let text = argv.joined(separator: " ")
            return "\(pid) (\(text.count > 80 ? String(text.prefix(77)) + "..." : text))"
        }
        if let comm = comm(of: pid, root: root) { return "\(pid) (\(comm))" }
        return "\(pid)"
    }

    // MARK: - Reading

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// A `/proc` file's bytes (their size reads as 0, so read until end of file), up to `limit`.
    public static func readBytes(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while out.count < limit {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return out.isEmpty ? nil : out
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    public static func readText(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func directoryEntries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// A kernel setting such as `kernel/perf_event_paranoid`, trimmed; nil when absent.
    public static func sysctl(_ name: String, root: String = defaultRoot) -> String? {
        readText("\(root)/sys/\(name)").map { $0.trimmingBlanks() }
    }
}

extension String {
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\n" || c == "\t" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}
