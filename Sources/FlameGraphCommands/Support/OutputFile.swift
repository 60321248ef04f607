import FlameGraphCapture
import FlameGraphCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes outputs atomically: into a temporary file beside the target, flushed, then renamed over it,
/// so an interrupted or failed run never leaves a half-written file or clobbers a good one. `-` is stdout.
enum OutputFile {
    static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { emit in try bytes.withUnsafeBytes { try emit($0) } }
    }

    /// Writes what `produce` hands to its `emit` argument, piece by piece (an output too large to hold
    /// in memory at once), with the same guarantees: atomic replacement, nothing left on failure.
    static func write(
        to path: String, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        if path == "-" {
            // In-process runs collect it; the process's sink keeps fd 1 and the EPIPE rule.
            try produce { try CLIContext.current.stdout(Array($0)) }
            return
        }
        // A device or a pipe (`--output /dev/null`, `>(gzip > x)`) is written in place: renaming a
        // temporary file over it would replace the device node itself.
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG && (st.st_mode & S_IFMT) != S_IFDIR {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            if fd < 0 {
                let err = errno
                throw FlameGraphError(.cannotCreate, "cannot write \(path): \(InputFile.describe(err))")
            }
            defer { close(fd) }
            try produce { try writeAll(fd, $0, name: path) }
            return
        }
        let dir: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            dir = "."
        }
        let base = path.split(separator: "/").last.map(String.init) ?? path
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 {
            let err = errno
            throw FlameGraphError(.cannotCreate, "cannot write \(path): \(InputFile.describe(err))")
        }
        let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var done = false
        TemporaryFiles.register(tmp)
        defer {
            if !done { unlink(tmp) }
            TemporaryFiles.unregister(tmp)
        }
        do {
            try produce { try writeAll(fd, $0, name: path) }
            fchmod(fd, mode(replacing: path))
            if fsync(fd) != 0 && errno != EINVAL {
                throw FlameGraphError(.cannotCreate, "cannot write \(path): \(InputFile.describe(errno))")
            }
            close(fd)
        } catch {
            close(fd)
            throw error
        }
        if rename(tmp, path) != 0 {
            let err = errno
            throw FlameGraphError(.cannotCreate, "cannot write \(path): \(InputFile.describe(err))")
        }
        done = true
    }

    /// The mode of a new output: an existing file's own mode (a private 0600 file stays private),
    /// else 0666 less the umask, as `open(O_CREAT)` would give — `mkstemp`'s 0600 is neither.
    static func mode(replacing path: String) -> mode_t {
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { return st.st_mode & 0o7777 }
        return 0o666 & ~currentUmask()
    }

    /// The process's umask, read without changing it (`umask(2)` can only set it, racing other threads).
    static func currentUmask() -> mode_t {
        if let status = try? InputFile.readAll("/proc/self/status"),
            let line = String(decoding: status, as: UTF8.self).split(separator: "\n").first(where: {
                $0.hasPrefix("Umask:")
            }),
            let value = mode_t(String(line.dropFirst(6).filter { !$0.isWhitespace }), radix: 8)
        {
            return value
        }
        let old = umask(0o022)
        umask(old)
        return old
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], name: String) throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, name: name) }
    }

    static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, name: String) throws {
        var off = 0
        while off < buf.count {
            let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { return }
                throw FlameGraphError(.cannotCreate, "cannot write \(name): \(InputFile.describe(errno))")
            }
            off += n
        }
    }
}

/// Temporary files and directories in flight, removed by the interrupt handling on Ctrl-C (and by
/// their owners when done) so nothing is left behind. A directory is removed with the files in it.
enum TemporaryFiles {
    private static let paths = Mutex<[String]>([])

    static func register(_ path: String) { paths.withLock { $0.append(path) } }

    static func unregister(_ path: String) { paths.withLock { $0.removeAll { $0 == path } } }

    /// Removes everything registered, newest first.
    static func removeAll() {
        paths.withLock {
            for p in $0.reversed() { remove(p) }
            $0.removeAll()
        }
    }

    /// Removes `path` — a file, or a directory and what is in it — and forgets it.
    static func removeNow(_ path: String) {
        remove(path)
        unregister(path)
    }

    private static func remove(_ path: String) {
        StaleRuns.removeTree(path)
    }
}
