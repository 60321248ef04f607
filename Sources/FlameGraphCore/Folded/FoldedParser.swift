#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Streaming parser for folded stacks: `frame;frame;leaf COUNT` lines, or `stack BEFORE AFTER` lines
/// (differential input, as inferno-diff-folded and difffolded.pl write).
///
/// Feed it bytes in chunks of any size with `consume`, then call `finish`. It works on raw bytes: a
/// line is split at its last blanks for the count(s) and at `;` for frames, frames are interned once,
/// and a line that shares a prefix with the previous one (sorted input, the common case) reuses the
/// tree path of that prefix instead of hashing those frames again.
public struct FoldedParser {
    public private(set) var profile = Profile()
    public private(set) var diagnostics = Diagnostics()
    /// Lines that held a stack and a count.
    public private(set) var validLines = 0
    /// Lines that could not be parsed (reported once as a warning).
    public private(set) var invalidLines = 0
    public private(set) var firstInvalidLine = 0
    /// The text of the first line that could not be parsed (at most 200 bytes).
    public private(set) var firstInvalidText: String? = nil
    public private(set) var sawFractional = false
    /// Whether every stack sorted at or after the one before it (byte order), as `--no-sort` expects.
    public private(set) var isSorted = true

    private var carry: [UInt8] = []
    private var lineNumber = 0
    private var prevStack: [UInt8] = []
    /// End offset (exclusive) within `prevStack` of each frame, and the node it leads to.
    private var prevEnds: [Int] = []
    private var prevNodes: [Int32] = []
    private var sourceName: String

    /// - Parameters:
    ///   - sourceName: names the input in messages.
    ///   - keepSequence: keep stacks in input order (for flame charts).
    public init(sourceName: String = "input", keepSequence: Bool = false) {
        self.sourceName = sourceName
        if keepSequence { profile.sequence = [] }
    }

    /// Parses every complete line in `chunk`; a trailing partial line waits for the next chunk.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var start = 0
        let n = chunk.count
        if !carry.isEmpty {
            guard let nl = memchr(base, 0x0A, n) else {
                carry.append(contentsOf: chunk)
                return
            }
            let end = UnsafeRawPointer(nl) - base
            carry.append(contentsOf: UnsafeRawBufferPointer(start: base, count: end))
            let line = carry
            carry.removeAll(keepingCapacity: true)
            line.withUnsafeBytes { parseLine($0.baseAddress ?? base, $0.count) }
            start = end + 1
        }
        while start < n {
            guard let nl = memchr(base + start, 0x0A, n - start) else {
                carry.append(contentsOf: UnsafeRawBufferPointer(start: base + start, count: n - start))
                return
            }
            let end = UnsafeRawPointer(nl) - base
            parseLine(base + start, end - start)
            start = end + 1
        }
    }

    public mutating func consume(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { consume($0) }
    }

    /// Parses a final line without a newline and reports what was ignored.
    public mutating func finish() {
        if !carry.isEmpty {
            let line = carry
            carry.removeAll()
            line.withUnsafeBytes { parseLine($0.baseAddress!, $0.count) }
        }
        if invalidLines > 0 {
            diagnostics.warn(
                "Ignored \(invalidLines) lines with invalid format in \(sourceName) (first at line \(firstInvalidLine))"
            )
        }
        if sawFractional {
            diagnostics.warn(
                "The input data has fractional sample counts: they are kept as they are (as flamegraph.pl does)")
        }
    }

    /// Parses a whole input at once.
    public static func parse(_ bytes: [UInt8], sourceName: String = "input", keepSequence: Bool = false)
        -> FoldedParser
    {
        var parser = FoldedParser(sourceName: sourceName, keepSequence: keepSequence)
        parser.consume(bytes)
        parser.finish()
        return parser
    }

    @inline(__always)
    private static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

    private mutating func parseLine(_ p: UnsafeRawPointer, _ length: Int) {
        lineNumber += 1
        let bytes = p.assumingMemoryBound(to: UInt8.self)
        var end = length
        while end > 0 && Self.isBlank(bytes[end - 1]) { end -= 1 }
        var begin = 0
        while begin < end && Self.isBlank(bytes[begin]) { begin += 1 }
        if begin == end { return }  // blank line
        guard let (after, countStart) = Self.trailingNumber(bytes, begin, end, &sawFractional) else {
            return invalid(bytes, begin, end)
        }
        var stackEnd = countStart
        while stackEnd > begin && Self.isBlank(bytes[stackEnd - 1]) { stackEnd -= 1 }
        guard stackEnd > begin, stackEnd < countStart else { return invalid(bytes, begin, end) }
        var before: Double? = nil
        var fractionalBefore = false
        if let (b, bStart) = Self.trailingNumber(bytes, begin, stackEnd, &fractionalBefore) {
            var e = bStart
            while e > begin && Self.isBlank(bytes[e - 1]) { e -= 1 }
            if e > begin && e < bStart {
                before = b
                stackEnd = e
                if fractionalBefore { sawFractional = true }
            }
        }
        validLines += 1
        let leaf = insertStack(p + begin, stackEnd - begin)
        profile.addWeight(at: leaf, after, before: before)
    }

    private mutating func invalid(_ bytes: UnsafePointer<UInt8>, _ begin: Int, _ end: Int) {
        invalidLines += 1
        if firstInvalidLine == 0 {
            firstInvalidLine = lineNumber
            firstInvalidText = String(
                decoding: UnsafeBufferPointer(start: bytes + begin, count: min(end - begin, 200)), as: UTF8.self)
        }
    }

    /// Parses the number that ends `bytes[begin..<end]` after a blank; returns it and where it starts.
    @inline(__always)
    private static func trailingNumber(
        _ bytes: UnsafePointer<UInt8>, _ begin: Int, _ end: Int, _ fractional: inout Bool
    ) -> (Double, Int)? {
        var i = end
        while i > begin && !isBlank(bytes[i - 1]) { i -= 1 }
        let start = i
        guard start > begin, start < end else { return nil }
        var intPart: UInt64 = 0
        var overflow = false
        var j = start
        var digits = 0
        while j < end, bytes[j] >= 0x30, bytes[j] <= 0x39 {
            let d = UInt64(bytes[j] - 0x30)
            let (m, o1) = intPart.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { overflow = true }
            intPart = s
            j += 1
            digits += 1
        }
        var sawNonZeroFraction = false
        var value = Double(intPart)
        if overflow {
            var v = 0.0
            for k in start..<j { v = v * 10 + Double(bytes[k] - 0x30) }
            value = v
        }
        if j < end && bytes[j] == 0x2E {  // '.'
            j += 1
            var scale = 0.1
            var frac = 0.0
            while j < end, bytes[j] >= 0x30, bytes[j] <= 0x39 {
                let d = bytes[j] - 0x30
                if d != 0 { sawNonZeroFraction = true }
                frac += Double(d) * scale
                scale *= 0.1
                j += 1
                digits += 1
            }
            value += frac
        }
        guard digits > 0, j == end else { return nil }
        if sawNonZeroFraction { fractional = true }
        return (value, start)
    }

    /// Walks (creating) the tree path of a `;`-separated stack, reusing the previous line's prefix.
    private mutating func insertStack(_ p: UnsafeRawPointer, _ length: Int) -> Int32 {
        let bytes = p.assumingMemoryBound(to: UInt8.self)
        // Longest common byte prefix with the previous stack.
        let (common, outOfOrder) = prevStack.withUnsafeBytes { prev -> (Int, Bool) in
            let m = min(prev.count, length)
            var i = 0
            while i + 8 <= m
                && prev.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    == p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            {
                i += 8
            }
            while i < m && prev[i] == bytes[i] { i += 1 }
            return (i, i < m ? bytes[i] < prev[i] : length < prev.count)
        }
        if outOfOrder { isSorted = false }
        var shared = 0
        while shared < prevEnds.count {
            let e = prevEnds[shared]
            if e < common || (e == common && (common == length || bytes[common] == 0x3B)) {
                shared += 1
            } else {
                break
            }
        }
        var node: Int32 = shared > 0 ? prevNodes[shared - 1] : 0
        var frameStart = shared > 0 ? prevEnds[shared - 1] + 1 : 0
        prevEnds.removeSubrange(shared...)
        prevNodes.removeSubrange(shared...)
        if shared == 0 && length == 0 { return 0 }
        while frameStart <= length {
            var e = frameStart
            if let semi = memchr(p + frameStart, 0x3B, length - frameStart) {
                e = UnsafeRawPointer(semi) - p
            } else {
                e = length
            }
            let id = profile.names.intern(p + frameStart, e - frameStart)
            node = profile.child(of: node, named: id)
            prevEnds.append(e)
            prevNodes.append(node)
            frameStart = e + 1
        }
        prevStack.removeAll(keepingCapacity: true)
        prevStack.append(contentsOf: UnsafeRawBufferPointer(start: p, count: length))
        return node
    }
}
