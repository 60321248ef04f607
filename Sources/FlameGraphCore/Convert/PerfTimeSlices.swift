/// Cuts `perf script` text into N byte ranges by sample timestamp: the rounds of one recording
/// (`perf --cmd`, `--perf-data` with `--rounds N`), each then collapsed on its own.
///
/// Fed in chunks, it keeps only the offset and timestamp of each sample's header line (16 bytes a
/// sample), never the text. A header is a non-empty line that does not start with a tab (call-chain
/// lines do); its timestamp is the first `SECONDS.MICROS:` token (`python3  9023  1142.891755:  …`).
/// The windows split `[first, last]` timestamp into N equal spans. perf script prints samples in time
/// order; one that is not stays in the window being filled, so every range is contiguous.
public struct PerfTimeSlices: Sendable {
    /// Byte offset of each sample's header line, and its timestamp (nil: the header had none).
    private var headers: [(offset: Int, time: Double?)] = []
    private var offset = 0
    private var atLineStart = true
    private var inHeader = false
    private var headerStart = 0
    private var header: [UInt8] = []
    private static let headerLimit = 4096

    public init() {}

    /// Samples seen so far.
    public var sampleCount: Int { headers.count }

    /// The first and last timestamps seen (nil when no header carried one).
    public var timeSpan: (first: Double, last: Double)? {
        var first: Double? = nil
        var last: Double? = nil
        for h in headers {
            guard let t = h.time else { continue }
            first = min(first ?? t, t)
            last = max(last ?? t, t)
        }
        guard let first, let last else { return nil }
        return (first, last)
    }

    public mutating func consume(_ chunk: UnsafeRawBufferPointer) {
        var i = 0
        let n = chunk.count
        while i < n {
            if atLineStart {
                atLineStart = false
                let b = chunk[i]
                if b != UInt8(ascii: "\t") && b != UInt8(ascii: "\n") {
                    inHeader = true
                    headerStart = offset + i
                    header.removeAll(keepingCapacity: true)
                }
            }
            if !inHeader {
                // A call-chain line: jump to its end.
                guard let newline = chunk[i..<n].firstIndex(of: UInt8(ascii: "\n")) else { break }
                i = newline + 1
                atLineStart = true
                continue
            }
            let b = chunk[i]
            i += 1
            if b == UInt8(ascii: "\n") {
                endHeader()
                atLineStart = true
            } else if header.count < Self.headerLimit {
                header.append(b)
            }
        }
        offset += n
    }

    public mutating func consume(_ bytes: [UInt8]) { bytes.withUnsafeBytes { consume($0) } }

    /// Ends the text (a last header without a newline counts).
    public mutating func finish() {
        if inHeader { endHeader() }
    }

    /// Total bytes seen.
    public var byteCount: Int { offset }

    /// `count` contiguous byte ranges covering the whole text, one per equal time window, in order;
    /// the first starts at 0 and the last ends at `byteCount`. Windows without a sample are empty
    /// ranges. Without timestamps (or with one instant only) everything is in the first range.
    public func ranges(count: Int) -> [Range<Int>] {
        let count = max(1, count)
        var starts = [Int](repeating: offset, count: count)
        starts[0] = 0
        guard let (first, last) = timeSpan, last > first else {
            return (0..<count).map { $0 == 0 ? 0..<offset : offset..<offset }
        }
        let width = (last - first) / Double(count)
        var window = 0
        for h in headers {
            guard let t = h.time else { continue }
            let w = min(count - 1, max(window, Int(((t - first) / width).rounded(.down))))
            while window < w {
                window += 1
                starts[window] = h.offset
            }
        }
        return (0..<count).map { k in starts[k]..<(k + 1 < count ? starts[k + 1] : offset) }
    }

    private mutating func endHeader() {
        inHeader = false
        if !header.isEmpty { headers.append((headerStart, Self.timestamp(in: header))) }
    }

    /// The first whitespace-separated token of the form `DIGITS.DIGITS:`.
    static func timestamp(in line: [UInt8]) -> Double? {
        var start = 0
        while start < line.count {
            while start < line.count && (line[start] == 0x20 || line[start] == 0x09) { start += 1 }
            var end = start
            while end < line.count && line[end] != 0x20 && line[end] != 0x09 { end += 1 }
            if end - start >= 3 && line[end - 1] == UInt8(ascii: ":") {
                let token = line[start..<(end - 1)]
                let digitsOrDot = token.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }
                if digitsOrDot && token.contains(UInt8(ascii: ".")),
                    let t = Double(String(decoding: token, as: UTF8.self))
                {
                    return t
                }
            }
            start = end
        }
        return nil
    }
}
