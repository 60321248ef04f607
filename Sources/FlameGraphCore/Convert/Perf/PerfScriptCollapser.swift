#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Streaming converter from `perf script` text to a `Profile` (what `stackcollapse-perf.pl` and
/// `inferno-collapse-perf` print as folded stacks; where the two differ this follows inferno).
///
/// Feed bytes in chunks of any size with `consume`, then call `finish`. Only the current line (when
/// it spans chunks) and the current event's frames are carried between calls; everything else goes
/// straight into the profile's tree. An event is a header line
/// (`comm PID/TID [cpu] time: period event:`) followed by its stack, one frame per line, leaf first
/// (`addr symbol+0xoff (dso)`), and a blank line. Each distinct (symbol, dso) is named once and the
/// result cached, so the hot path is: find the line, split it, hash the symbol, append an id.
public struct PerfScriptCollapser: LaneReader {
    public let options: PerfCollapseOptions
    public internal(set) var profile = Profile()
    public internal(set) var diagnostics = Diagnostics()
    /// Samples that went into the profile.
    public internal(set) var samplesKept = 0
    /// Samples left out because they are of another event type.
    public internal(set) var samplesFiltered = 0

    /// Lines longer than this are dropped (with a warning) instead of buffered.
    public static let maxLineLength = LineSplitter.defaultMaxLineLength

    var splitter = LineSplitter()
    var lineNumber = 0

    // The current event.
    var inEvent = false
    var skipEvent = false
    var stackCut = false
    var javaProcess = false
    var weight: Double = 1
    var root: Int32 = -1
    /// Name ids, leaf first.
    var frames: [Int32] = []

    /// The event type kept (modifiers removed); set by the options or by the first event seen.
    var filter: [UInt8]?

    // Frame cache: key (flags, symbol, dso) → names, stored leaf first in `pool`.
    var keys = FrameNames()
    var entryStart: [Int32] = []
    var entryCount: [Int32] = []
    /// How many of an entry's names (leaf first) to keep when one is a `skipAfter` frame; -1: none is.
    var entryCut: [Int32] = []
    var pool: [Int32] = []
    var scratch: [UInt8] = []
    // Line cache: a stack line's bytes after the address (`symbol+0xoff (dso)`) → its frame-cache
    // entry, one table per kind of process (Java names are read differently).
    var plainLines = FrameNames()
    var javaLines = FrameNames()
    var plainLineEntry: [Int32] = []
    var javaLineEntry: [Int32] = []
    let skipNames: Set<[UInt8]>

    // Previous stack (root first) and its tree nodes, to reuse the shared prefix.
    var prevPath: [Int32] = []
    var prevNodes: [Int32] = []
    var path: [Int32] = []

    // Problems, reported once each by `finish`.
    var weirdLines = 0
    var badStackLines = 0
    var firstBadStackLine = 0
    var finished = false

    /// Whether input is gathered into batches collapsed on two cores (`PerfScriptCollapser+Lanes.swift`).
    let usesLanes: Bool
    /// Input gathered before the lanes start (16 MiB, a few tens of milliseconds per lane).
    let batchBytes: Int
    /// Below this a batch is collapsed on one core: starting a lane would cost more than it saves.
    let smallestSplit: Int
    var batch: [UInt8] = []
    /// The collapser of the second lane, kept across batches for its frame cache (0 or 1 element: an
    /// array, because a struct cannot hold its own type directly).
    var lane: [PerfScriptCollapser] = []
    /// Batches collapsed on two cores (tests check that the lanes run).
    var laneBatches = 0
    /// The lane's names already taken in (its name table lives on across batches).
    var laneNamesMerged = 0

    public init(options: PerfCollapseOptions = PerfCollapseOptions()) {
        self.init(options: options, lanes: true)
    }

    /// `batchBytes` and `smallestSplit` are smaller in tests, to run many batches on little input.
    init(options: PerfCollapseOptions, lanes: Bool, batchBytes: Int = 16 << 20, smallestSplit: Int = 1 << 20) {
        self.options = options
        self.usesLanes = lanes
        self.batchBytes = batchBytes
        self.smallestSplit = smallestSplit
        self.skipNames = Set(options.skipAfter.map { Array($0.utf8) })
        if let wanted = options.eventFilter {
            filter = Self.eventType(Array(wanted.utf8)[...])
        }
    }

    /// The event type whose samples are kept (modifiers removed), once known.
    public var eventType: String? { filter.map { String(decoding: $0, as: UTF8.self) } }

    /// Collapses a whole input at once.
    public static func collapse(_ bytes: [UInt8], options: PerfCollapseOptions = PerfCollapseOptions())
        -> PerfScriptCollapser
    {
        var collapser = PerfScriptCollapser(options: options)
        collapser.consume(bytes)
        collapser.finish()
        return collapser
    }

    public mutating func consume(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { consume($0) }
    }

    /// Processes every complete line in `chunk`; a trailing partial line waits for the next chunk.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer) { readLines(chunk) }

    /// The end of the input: a last line without a newline, and the event it closes.
    mutating func endInput() {
        readLastLine()
        if inEvent { endEvent() }
    }

    /// Processes a last line without a newline, closes the last event and records warnings.
    public mutating func finish() {
        guard !finished else { return }
        finished = true
        if usesLanes { readBatch(final: true) }
        endInput()
        if let long = splitter.warning(in: nil) { diagnostics.warn(long) }
        if weirdLines > 1 {
            diagnostics.warn("\(weirdLines - 1) more weird event lines were ignored")
        }
        if badStackLines > 0 {
            diagnostics.warn(
                "Ignored \(badStackLines) unrecognized stack lines (first at line \(firstBadStackLine))")
        }
    }

    // MARK: - Lines

    @inline(__always)
    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0B || c == 0x0C }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    @inline(__always)
    static func isHex(_ c: UInt8) -> Bool { c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 6 }

    mutating func readLine(_ raw: UnsafeRawPointer, _ length: Int, number: Int) {
        lineNumber = number
        let b = raw.assumingMemoryBound(to: UInt8.self)
        var end = length
        while end > 0 && Self.isBlank(b[end - 1]) { end -= 1 }
        if inEvent {
            if end == 0 {
                endEvent()
            } else {
                stackLine(b, 0, end)
            }
            return
        }
        if end == 0 || b[0] == UInt8(ascii: "#") { return }
        eventLine(b, end)
    }

    /// Adds the current event's stack (root first) to the profile, reusing the previous stack's prefix.
    mutating func endEvent() {
        inEvent = false
        if skipEvent { return }
        samplesKept += 1
        path.removeAll(keepingCapacity: true)
        if !stackCut { path.append(root) }
        var k = frames.count
        while k > 0 {
            k -= 1
            path.append(frames[k])
        }
        var shared = 0
        let m = min(prevPath.count, path.count)
        while shared < m && prevPath[shared] == path[shared] { shared += 1 }
        var node: Int32 = shared > 0 ? prevNodes[shared - 1] : 0
        prevNodes.removeSubrange(shared...)
        for j in shared..<path.count {
            node = profile.child(of: node, named: path[j])
            prevNodes.append(node)
        }
        swap(&prevPath, &path)
        if node != 0 { profile.addWeight(at: node, weight) }
    }
}
