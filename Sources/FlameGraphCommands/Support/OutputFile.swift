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
        if path == "-" {
            try CLIContext.current.stdout(bytes)
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
            try writeAll(fd, bytes, name: path)
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
            try writeAll(fd, bytes, name: path)
            fchmod(fd, 0o644)
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

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], name: String) throws {
        try bytes.withUnsafeBytes { buf in
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
        for name in names { remove(path + "/" + name) }
        rmdir(path)
    }

    /// A new private directory (mode 0700) under `$TMPDIR` (default `/tmp`), registered.
    static func makeDirectory(prefix: String) throws -> String {
        var base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        if base.isEmpty { base = "/tmp" }
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            let err = errno
            throw FlameGraphError(
                .cannotCreate, "cannot create a temporary directory in \(base): \(InputFile.describe(err)) (set TMPDIR)"
            )
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        register(path)
        return path
    }
}
