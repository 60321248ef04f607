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
/// tree path of that prefix instead of hashing those frames again. Lines starting with `# ` are
/// comments (Austin's metadata). Large inputs are read on both cores (`FoldedParser+Lanes.swift`).
public struct FoldedParser: LaneReader {
    public internal(set) var profile = Profile()
    public internal(set) var diagnostics = Diagnostics()
    /// Lines that held a stack and a count.
    public internal(set) var validLines = 0
    /// Lines that could not be parsed (reported once as a warning).
    public internal(set) var invalidLines = 0
    public internal(set) var firstInvalidLine = 0
    /// The text of the first line that could not be parsed (at most 200 bytes).
    public internal(set) var firstInvalidText: String? = nil
    public internal(set) var sawFractional = false
    /// The unit the input's metadata declares (Austin's `# mode:` line), if any.
    public internal(set) var declaredUnit: WeightUnit? = nil
    /// Whether every stack sorted at or after the one before it (byte order), as `--no-sort` expects.
    public internal(set) var isSorted = true

    var splitter = LineSplitter()
    private var lineNumber = 0
    var prevStack: [UInt8] = []
    /// End offset (exclusive) within `prevStack` of each frame, and the node it leads to.
    var prevEnds: [Int] = []
    var prevNodes: [Int32] = []
    /// The first stack parsed (kept by a lane's parser, to check the order where two lanes meet).
    var firstStack: [UInt8]? = nil
    let sourceName: String
    /// Whether input is gathered into batches parsed on two cores (`FoldedParser+Lanes.swift`).
    let usesLanes: Bool
    /// Input gathered before the lanes start (8 MiB: a few milliseconds of work per lane).
    let batchBytes: Int
    /// Below this a batch is parsed on one core: starting a lane would cost more than it saves.
    let smallestSplit: Int
    var batch: [UInt8] = []
    /// Batches read on two cores (tests check that the lanes run).
    var laneBatches = 0

    /// - Parameters:
    ///   - sourceName: names the input in messages.
    ///   - keepSequence: keep stacks in input order (for flame charts).
    public init(sourceName: String = "input", keepSequence: Bool = false) {
        self.init(sourceName: sourceName, keepSequence: keepSequence, lanes: !keepSequence)
    }

    /// `batchBytes` and `smallestSplit` are smaller in tests, to run many batches on little input.
    init(
        sourceName: String, keepSequence: Bool, lanes: Bool, batchBytes: Int = 8 << 20, smallestSplit: Int = 1 << 20
    ) {
        self.sourceName = sourceName
        self.usesLanes = lanes
        self.batchBytes = batchBytes
        self.smallestSplit = smallestSplit
        if keepSequence { profile.sequence = [] }
    }

    /// Parses every complete line in `chunk`; a trailing partial line waits for the next chunk.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer) { readLines(chunk) }

    public mutating func consume(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { consume($0) }
    }

    /// Parses a final line without a newline and reports what was ignored.
    public mutating func finish() {
        if usesLanes { readBatch(final: true) }
        readLastLine()
        if let declaredUnit { profile.unit = declaredUnit }
        if let long = splitter.warning(in: sourceName) { diagnostics.warn(long) }
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

    mutating func readLine(_ p: UnsafeRawPointer, _ length: Int, number: Int) {
        lineNumber = number
        let bytes = p.assumingMemoryBound(to: UInt8.self)
        var end = length
        while end > 0 && Self.isBlank(bytes[end - 1]) { end -= 1 }
        var begin = 0
        while begin < end && Self.isBlank(bytes[begin]) { begin += 1 }
        if begin == end { return }  // blank line
        if bytes[begin] == UInt8(ascii: "#") && (end - begin == 1 || Self.isBlank(bytes[begin + 1])) {
            return comment(bytes, begin, end)
        }
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

    /// `# …` lines are comments, not stacks. Austin starts and ends its output with `# key: value`
    /// metadata (`# austin: 3.7.0`, `# interval: 100`, `# mode: wall`, `# duration: 23873`); its mode
    /// says what the counts are: microseconds of wall or CPU time, or bytes in memory mode.
    private mutating func comment(_ bytes: UnsafePointer<UInt8>, _ begin: Int, _ end: Int) {
        let text = UnsafeBufferPointer(start: bytes + begin, count: end - begin)
        guard text.starts(with: Self.modeKey) else { return }
        let mode = text.dropFirst(Self.modeKey.count).drop(while: { Self.isBlank($0) })
        if mode.elementsEqual("wall".utf8) || mode.elementsEqual("cpu".utf8) {
            declaredUnit = .microseconds
        } else if mode.elementsEqual("memory".utf8) {
            declaredUnit = .bytes
        }
    }

    private static let modeKey = Array("# mode:".utf8)

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
        if firstStack == nil { firstStack = Array(UnsafeRawBufferPointer(start: p, count: length)) }
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
