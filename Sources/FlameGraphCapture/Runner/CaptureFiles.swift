import FlameGraphCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reading what a profiler wrote into the run's temporary directory.
public enum CaptureFiles {
    /// Calls `body` with each chunk of `path` (1 MiB at a time).
    public static func forEachChunk(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw FlameGraphError(.notFound, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress!, size)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw FlameGraphError(.badInput, "reading \(path) failed: \(String(cString: strerror(errno)))") }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Calls `body` with the bytes of `path` in `range`, chunk by chunk.
    public static func forEachChunk(_ path: String, range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void)
        throws
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw FlameGraphError(.notFound, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var at = range.lowerBound
        while at < range.upperBound {
            let n = pread(fd, buffer.baseAddress!, min(size, range.upperBound - at), off_t(at))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw FlameGraphError(.badInput, "reading \(path) failed: \(String(cString: strerror(errno)))") }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            at += n
        }
    }

    /// The size of a file (nil when it is not there).
    public static func size(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// Fails with 69 unless `pid` is a live process.
    public static func requireProcess(_ pid: Int32) throws {
        switch ProcFS.presence(of: pid) {
        case .alive: return
        case .zombie: throw FlameGraphError(.unavailable, "pid \(pid) has exited (it is a zombie): nothing to profile")
        case .absent: throw FlameGraphError(.unavailable, "no process with pid \(pid)")
        }
    }
}

/// A file in the run's temporary directory, written in chunks (`perf script` text kept for slicing).
public final class CaptureFile {
    private var fd: Int32
    public let path: String

    public init(creating path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw FlameGraphError(.cannotCreate, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                throw FlameGraphError(
                    .cannotCreate, "cannot write \(path): \(String(cString: strerror(errno))) (set TMPDIR)")
            }
            off += n
        }
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
