import FlameGraphCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads an input named on the command line — a path, `-` for stdin, or a pipe such as `<(cat x)` —
/// in chunks, so large inputs stream through the parsers instead of being held whole.
enum InputFile {
    static let chunkSize = 1 << 20

    /// Calls `body` with each chunk of `path`'s bytes.
    static func forEachChunk(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd: Int32
        if path == "-" {
            fd = 0
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                let err = errno
                switch err {
                case ENOENT, ENOTDIR:
                    throw FlameGraphError(.notFound, "input file \(path) does not exist")
                case EACCES:
                    throw FlameGraphError(.notFound, "input file \(path) cannot be read: permission denied")
                default:
                    throw FlameGraphError(.notFound, "input file \(path) cannot be opened: \(describe(err))")
                }
            }
            var st = stat()
            if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw FlameGraphError(.notFound, "input \(path) is a directory, not a profile file")
            }
        }
        defer { if fd != 0 { close(fd) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress!, chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw FlameGraphError(
                    .badInput, "reading \(path == "-" ? "standard input" : path) failed: \(describe(errno))")
            }
            if n == 0 { break }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// The whole of `path`.
    static func readAll(_ path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        try forEachChunk(path) { out.append(contentsOf: $0) }
        return out
    }

    static func displayName(_ path: String) -> String { path == "-" ? "standard input" : path }

    static func describe(_ err: Int32) -> String { String(cString: strerror(err)) }
}
