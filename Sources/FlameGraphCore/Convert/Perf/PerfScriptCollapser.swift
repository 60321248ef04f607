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
public struct PerfScriptCollapser {
    public let options: PerfCollapseOptions
    public private(set) var profile = Profile()
    public private(set) var diagnostics = Diagnostics()
    /// Samples that went into the profile.
    public private(set) var samplesKept = 0
    /// Samples left out because they are of another event type.
    public private(set) var samplesFiltered = 0

    /// Lines longer than this are dropped (with a warning) instead of buffered.
    public static let maxLineLength = 1 << 22

    // Line assembly.
    private var carry: [UInt8] = []
    private var carryOverflow = false
    private var lineNumber = 0

    // The current event.
    private var inEvent = false
    private var skipEvent = false
    private var stackCut = false
    private var javaProcess = false
    private var weight: Double = 1
    private var root: Int32 = -1
    /// Name ids, leaf first.
    private var frames: [Int32] = []

    /// The event type kept (modifiers removed); set by the options or by the first event seen.
    private var filter: [UInt8]?

    // Frame cache: key (flags, symbol, dso) → names, stored leaf first in `pool`.
    private var keys = FrameNames()
    private var entryStart: [Int32] = []
    private var entryCount: [Int32] = []
    /// How many of an entry's names (leaf first) to keep when one is a `skipAfter` frame; -1: none is.
    private var entryCut: [Int32] = []
    private var pool: [Int32] = []
    private var scratch: [UInt8] = []
    private let skipNames: Set<[UInt8]>

    // Previous stack (root first) and its tree nodes, to reuse the shared prefix.
    private var prevPath: [Int32] = []
    private var prevNodes: [Int32] = []
    private var path: [Int32] = []

    // Problems, reported once each by `finish`.
    private var weirdLines = 0
    private var badStackLines = 0
    private var firstBadStackLine = 0
    private var longLines = 0
    private var finished = false

    public init(options: PerfCollapseOptions = PerfCollapseOptions()) {
        self.options = options
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
    public mutating func consume(_ chunk: UnsafeRawBufferPointer) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        let n = chunk.count
        var start = 0
        if !carry.isEmpty || carryOverflow {
            guard let nl = memchr(base, 0x0A, n) else {
                appendCarry(UnsafeRawBufferPointer(start: base, count: n))
                return
            }
            let end = UnsafeRawPointer(nl) - base
            appendCarry(UnsafeRawBufferPointer(start: base, count: end))
            flushCarry()
            start = end + 1
        }
        while start < n {
            guard let nl = memchr(base + start, 0x0A, n - start) else {
                appendCarry(UnsafeRawBufferPointer(start: base + start, count: n - start))
                return
            }
            let end = UnsafeRawPointer(nl) - base
            if end - start > Self.maxLineLength {
                lineNumber += 1
                longLines += 1
            } else {
                handleLine(base + start, end - start)
            }
            start = end + 1
        }
    }

    /// Processes a last line without a newline, closes the last event and records warnings.
    public mutating func finish() {
        guard !finished else { return }
        finished = true
        if !carry.isEmpty || carryOverflow { flushCarry() }
        if inEvent { endEvent() }
        if longLines > 0 {
            diagnostics.warn("Ignored \(longLines) lines longer than \(Self.maxLineLength) bytes")
        }
        if weirdLines > 1 {
            diagnostics.warn("\(weirdLines - 1) more weird event lines were ignored")
        }
        if badStackLines > 0 {
            diagnostics.warn(
                "Ignored \(badStackLines) unrecognized stack lines (first at line \(firstBadStackLine))")
        }
    }

    private mutating func appendCarry(_ bytes: UnsafeRawBufferPointer) {
        if carryOverflow { return }
        if carry.count + bytes.count > Self.maxLineLength {
            carryOverflow = true
            carry.removeAll()
            return
        }
        carry.append(contentsOf: bytes)
    }

    private mutating func flushCarry() {
        if carryOverflow {
            carryOverflow = false
            carry.removeAll()
            lineNumber += 1
            longLines += 1
            return
        }
        let line = carry
        carry.removeAll(keepingCapacity: true)
        line.withUnsafeBytes { buf in
            handleLine(buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, buf.count)
        }
    }

    // MARK: - Lines

    @inline(__always)
    private static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0B || c == 0x0C }

    @inline(__always)
    private static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    @inline(__always)
    private static func isHex(_ c: UInt8) -> Bool { c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 6 }

    private mutating func handleLine(_ raw: UnsafeRawPointer, _ length: Int) {
        lineNumber += 1
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

    /// A header: `comm [PID/]TID [cpu] [time:] [period] event: [ip sym (dso)]`.
    private mutating func eventLine(_ b: UnsafePointer<UInt8>, _ n: Int) {
        var i = 0
        while i < n && Self.isBlank(b[i]) { i += 1 }
        let commStart = i
        while i < n && !Self.isBlank(b[i]) { i += 1 }
        // The process name may contain blanks: the PID/TID is the first later word of digits
        // (`123` or `123/456`) that is followed by more text.
        var pidStart = -1
        var slash = -1
        var wordEnd = 0
        while pidStart < 0 {
            while i < n && Self.isBlank(b[i]) { i += 1 }
            if i >= n { break }
            let ws = i
            var ok = Self.isDigit(b[i])
            var sl = -1
            while i < n && !Self.isBlank(b[i]) {
                let c = b[i]
                if c == UInt8(ascii: "/") && sl < 0 {
                    sl = i
                } else if !Self.isDigit(c) {
                    ok = false
                }
                i += 1
            }
            if ok && i < n && sl != i - 1 {
                pidStart = ws
                slash = sl
                wordEnd = i
            }
        }
        guard pidStart >= 0 else { return weirdEventLine(b, n) }
        var commEnd = pidStart
        while commEnd > commStart && Self.isBlank(b[commEnd - 1]) { commEnd -= 1 }

        // The rest: the event is the first word ending in `:` that does not start with a digit
        // (a timestamp does); the period, when perf printed one, is the number just before it.
        var period: Double? = nil
        var number: Double? = nil
        var eventStart = -1
        var eventEnd = -1
        i = wordEnd
        while true {
            while i < n && Self.isBlank(b[i]) { i += 1 }
            if i >= n { break }
            let ts = i
            var allDigits = true
            var value: UInt64 = 0
            while i < n && !Self.isBlank(b[i]) {
                let c = b[i]
                if Self.isDigit(c) {
                    value = value &* 10 &+ UInt64(c &- 0x30)
                } else {
                    allDigits = false
                }
                i += 1
            }
            if allDigits {
                number = Double(value)
                continue
            }
            if b[i - 1] == UInt8(ascii: ":") && i - ts > 1 && !Self.isDigit(b[ts]) {
                eventStart = ts
                eventEnd = i - 1
                period = number
                break
            }
            number = nil
        }

        inEvent = true
        skipEvent = false
        stackCut = false
        frames.removeAll(keepingCapacity: true)
        weight = period ?? 1

        if eventStart >= 0 {
            let type = Self.eventType(UnsafeBufferPointer(start: b + eventStart, count: eventEnd - eventStart)[...])
            if let wanted = filter {
                if type != wanted { skipEvent = true }
            } else {
                filter = type
            }
        }
        if skipEvent {
            samplesFiltered += 1
        } else {
            // Root frame: the process name (blanks as `_`), then `-PID` or `-PID/TID`.
            scratch.removeAll(keepingCapacity: true)
            for k in commStart..<commEnd { scratch.append(b[k] == 0x20 ? UInt8(ascii: "_") : b[k]) }
            javaProcess = commEnd - commStart == 4 && scratch == Self.javaName
            if options.includeTID || options.includePID {
                scratch.append(UInt8(ascii: "-"))
                if slash >= 0 {
                    for k in pidStart..<slash { scratch.append(b[k]) }
                } else {
                    scratch.append(UInt8(ascii: "?"))
                }
                if options.includeTID {
                    scratch.append(UInt8(ascii: "/"))
                    for k in (slash >= 0 ? slash + 1 : pidStart)..<wordEnd { scratch.append(b[k]) }
                }
            }
            root = scratch.withUnsafeBytes { profile.names.intern($0.baseAddress!, $0.count) }
        }

        // `perf script -F …,ip,sym` prints the frame on the header line and no blank line after it.
        if eventEnd >= 0 {
            var r = eventEnd + 1
            while r < n && Self.isBlank(b[r]) { r += 1 }
            if r < n {
                var w = r
                while w < n && Self.isHex(b[w]) { w += 1 }
                if w > r && w < n && Self.isBlank(b[w]) {
                    stackLine(b, r, n)
                    endEvent()
                }
            }
        }
    }

    private static let javaName: [UInt8] = Array("java".utf8)

    /// `cycles:u` → `cycles`: a trailing `:` + perf's modifier letters is not part of the type, while
    /// a tracepoint's `sched:sched_switch` is kept whole.
    static func eventType<C: Collection>(_ name: C) -> [UInt8] where C.Element == UInt8 {
        var bytes = Array(name)
        while let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
            let modifiers = bytes[(colon + 1)...]
            guard modifiers.allSatisfy({ Self.modifierLetters.contains($0) }) else { break }
            bytes.removeSubrange(colon...)
        }
        return bytes
    }

    private static let modifierLetters: Set<UInt8> = Set("ukhIGHpPSDWebR".utf8)

    private mutating func weirdEventLine(_ b: UnsafePointer<UInt8>, _ n: Int) {
        weirdLines += 1
        if weirdLines == 1 {
            let text = String(decoding: UnsafeBufferPointer(start: b, count: min(n, 300)), as: UTF8.self)
            diagnostics.warn("Weird event line: \(text)")
        }
        // Treat what follows, up to the next blank line, as this unreadable event's stack.
        inEvent = true
        skipEvent = true
        frames.removeAll(keepingCapacity: true)
    }

    /// One frame: `addr symbol[+0xoff] (dso)`, leading blanks allowed.
    private mutating func stackLine(_ b: UnsafePointer<UInt8>, _ from: Int, _ end: Int) {
        if skipEvent || stackCut { return }
        var i = from
        while i < end && Self.isBlank(b[i]) { i += 1 }
        let pcStart = i
        while i < end && !Self.isBlank(b[i]) { i += 1 }
        let pcEnd = i
        while i < end && Self.isBlank(b[i]) { i += 1 }
        if i >= end { return badStackLine() }
        let symStart = i
        var symEnd = end
        var dsoStart = end
        var dsoEnd = end
        if b[end - 1] == UInt8(ascii: ")") {
            // The dso is the balanced parenthesised group that ends the line.
            var depth = 0
            var k = end - 1
            while k >= symStart {
                let c = b[k]
                if c == UInt8(ascii: ")") {
                    depth += 1
                } else if c == UInt8(ascii: "(") {
                    depth -= 1
                    if depth == 0 { break }
                }
                k -= 1
            }
            if k >= symStart && (k == symStart || Self.isBlank(b[k - 1])) {
                dsoStart = k + 1
                dsoEnd = end - 1
                symEnd = k
                while symEnd > symStart && Self.isBlank(b[symEnd - 1]) { symEnd -= 1 }
            }
        }
        // Drop a `+0x1f` offset.
        var k = symEnd - 1
        while k > symStart && Self.isHex(b[k]) { k -= 1 }
        if k < symEnd - 1 && k >= symStart + 2 && b[k] == UInt8(ascii: "x") && b[k - 1] == UInt8(ascii: "0")
            && b[k - 2] == UInt8(ascii: "+")
        {
            symEnd = k - 2
        }
        // Frames whose name starts with `(` are not functions (both peers drop them).
        if symEnd > symStart && b[symStart] == UInt8(ascii: "(") { return }

        // No symbol at all (`7f1e2215d058  (/lib/libc.so)`): both peers name the frame " ".
        let empty = symEnd == symStart
        let perAddress =
            options.includeAddrs && Self.contains(b + symStart, symEnd - symStart, PerfFrameNaming.unknownSymbol)
        if perAddress {
            let names = PerfFrameNaming.names(
                symbol: Array(UnsafeBufferPointer(start: b + symStart, count: symEnd - symStart)),
                dso: Array(UnsafeBufferPointer(start: b + dsoStart, count: dsoEnd - dsoStart)),
                address: Array(UnsafeBufferPointer(start: b + pcStart, count: pcEnd - pcStart)),
                javaProcess: javaProcess, options: options)
            for name in names.reversed() {
                frames.append(
                    name.text.withUnsafeBytes {
                        profile.names.intern($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count)
                    })
                if skipNames.contains(name.plain) {
                    stackCut = true
                    return
                }
            }
            return
        }

        // Cache key: process flag, symbol, NUL, dso.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(javaProcess ? 1 : 0)
        if empty {
            scratch.append(0x20)
        } else {
            scratch.append(contentsOf: UnsafeBufferPointer(start: b + symStart, count: symEnd - symStart))
        }
        scratch.append(0)
        scratch.append(contentsOf: UnsafeBufferPointer(start: b + dsoStart, count: dsoEnd - dsoStart))
        let key = scratch.withUnsafeBytes { keys.intern($0.baseAddress!, $0.count) }
        if Int(key) == entryStart.count {
            addEntry(
                symbol: empty ? [0x20] : Array(UnsafeBufferPointer(start: b + symStart, count: symEnd - symStart)),
                dso: Array(UnsafeBufferPointer(start: b + dsoStart, count: dsoEnd - dsoStart)))
        }
        let start = Int(entryStart[Int(key)])
        let cut = entryCut[Int(key)]
        let count = cut >= 0 ? Int(cut) : Int(entryCount[Int(key)])
        if count == 1 {
            frames.append(pool[start])
        } else {
            frames.append(contentsOf: pool[start..<(start + count)])
        }
        if cut >= 0 { stackCut = true }
    }

    private mutating func addEntry(symbol: [UInt8], dso: [UInt8]) {
        let names = PerfFrameNaming.names(
            symbol: symbol, dso: dso, address: [], javaProcess: javaProcess, options: options)
        entryStart.append(Int32(pool.count))
        entryCount.append(Int32(names.count))
        var cut: Int32 = -1
        for (k, name) in names.reversed().enumerated() {
            pool.append(
                name.text.withUnsafeBytes {
                    profile.names.intern($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count)
                })
            if cut < 0 && !skipNames.isEmpty && skipNames.contains(name.plain) { cut = Int32(k + 1) }
        }
        entryCut.append(cut)
    }

    private static func contains(_ p: UnsafePointer<UInt8>, _ n: Int, _ needle: [UInt8]) -> Bool {
        let m = needle.count
        guard n >= m, let first = needle.first else { return n >= m }
        var i = 0
        while i + m <= n {
            if p[i] == first {
                var k = 1
                while k < m && p[i + k] == needle[k] { k += 1 }
                if k == m { return true }
            }
            i += 1
        }
        return false
    }

    private mutating func badStackLine() {
        badStackLines += 1
        if firstBadStackLine == 0 { firstBadStackLine = lineNumber }
    }

    /// Adds the current event's stack (root first) to the profile, reusing the previous stack's prefix.
    private mutating func endEvent() {
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
