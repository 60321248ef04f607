#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits bytes fed in chunks of any size into lines, for every line-based reader (folded stacks,
/// `perf script` text, off-CPU switch events), with one policy for over-long lines.
///
/// A line inside one chunk is handed over in place; only a line that spans chunks is copied, into a
/// carry-over buffer that never grows past `maxLineLength`. A line longer than that — however it
/// arrives — is dropped whole (its bytes are skipped up to its newline), counted, and `warning` names
/// the limit. So memory stays bounded on any input, and a reader never sees a truncated line.
struct LineSplitter {
    /// 16 MiB: far above a real line (a folded stack of 8,000 frames of 200 bytes is 1.6 MB), small
    /// enough that a newline-free input cannot exhaust memory.
    static let defaultMaxLineLength = 1 << 24

    let maxLineLength: Int
    /// Lines seen so far, dropped ones included: the number of the line being handed over.
    private(set) var lineNumber = 0
    /// Over-long lines dropped.
    private(set) var droppedLines = 0
    /// The line number of the first dropped line.
    private(set) var firstDroppedLine = 0

    /// Bytes of a partial line held until its end arrives (never more than `maxLineLength`).
    var carriedBytes: Int { carry.count }

    /// Whether the current line is over the limit and being skipped to its newline.
    var isSkipping: Bool { skipping }

    private var carry: [UInt8] = []
    private var spare: [UInt8] = []
    /// The current line is over the limit: skip to its newline.
    private var skipping = false

    init(maxLineLength: Int = LineSplitter.defaultMaxLineLength) {
        self.maxLineLength = maxLineLength
    }

    /// Calls `line(start, length, lineNumber)` with every complete line in `chunk` (without its
    /// `\n`); a trailing partial line waits for the next chunk or `finish`.
    @inline(__always)
    mutating func split(_ chunk: UnsafeRawBufferPointer, _ line: (UnsafeRawPointer, Int, Int) -> Void) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        let n = chunk.count
        var start = 0
        if skipping || !carry.isEmpty {
            guard let nl = memchr(base, 0x0A, n) else {
                keep(UnsafeRawBufferPointer(start: base, count: n))
                return
            }
            let end = UnsafeRawPointer(nl) - base
            keep(UnsafeRawBufferPointer(start: base, count: end))
            flush(line)
            start = end + 1
        }
        while start < n {
            guard let nl = memchr(base + start, 0x0A, n - start) else {
                keep(UnsafeRawBufferPointer(start: base + start, count: n - start))
                return
            }
            let end = UnsafeRawPointer(nl) - base
            lineNumber += 1
            if end - start > maxLineLength {
                drop()
            } else {
                line(base + start, end - start, lineNumber)
            }
            start = end + 1
        }
    }

    /// Hands over a last line that had no newline.
    mutating func finish(_ line: (UnsafeRawPointer, Int, Int) -> Void) {
        if skipping || !carry.isEmpty { flush(line) }
    }

    /// One warning for all dropped lines, naming the limit; nil when none was dropped.
    func warning(in sourceName: String?) -> String? {
        guard droppedLines > 0 else { return nil }
        return
            "Ignored \(droppedLines) lines longer than \(maxLineLength) bytes\(sourceName.map { " in \($0)" } ?? "") (first at line \(firstDroppedLine))"
    }

    /// Counts the lines another splitter saw right after this one's (a lane's share of the input),
    /// so line numbers and dropped lines read as if one splitter had seen everything.
    mutating func append(_ later: LineSplitter) {
        if later.droppedLines > 0 {
            if firstDroppedLine == 0 { firstDroppedLine = lineNumber + later.firstDroppedLine }
            droppedLines += later.droppedLines
        }
        lineNumber += later.lineNumber
    }

    private mutating func keep(_ bytes: UnsafeRawBufferPointer) {
        if skipping { return }
        if carry.count + bytes.count > maxLineLength {
            skipping = true
            carry = []
            return
        }
        carry.append(contentsOf: bytes)
    }

    private mutating func flush(_ line: (UnsafeRawPointer, Int, Int) -> Void) {
        lineNumber += 1
        if skipping {
            skipping = false
            drop()
            return
        }
        swap(&carry, &spare)  // hand over the line without copying it; `carry` starts empty
        spare.withUnsafeBytes { line($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count, lineNumber) }
        spare.removeAll(keepingCapacity: true)
    }

    private mutating func drop() {
        droppedLines += 1
        if firstDroppedLine == 0 { firstDroppedLine = lineNumber }
    }
}
