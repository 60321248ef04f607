/// What the perf collapser and the folded parser share: input split into lines (`LineSplitter`), read
/// on this thread, or — with lanes — gathered into batches of `batchBytes` that `readBatch` reads on
/// both cores (`TwoLanes`; each reader's `+Lanes.swift` says where a batch may be cut).
protocol LaneReader {
    /// Whether input is gathered into batches read on two cores.
    var usesLanes: Bool { get }
    /// How much input is gathered before a batch is read.
    var batchBytes: Int { get }
    var batch: [UInt8] { get set }
    var splitter: LineSplitter { get set }
    /// One complete line (without its `\n`) and its number.
    mutating func readLine(_ start: UnsafeRawPointer, _ length: Int, number: Int)
    /// Reads the gathered batch; `final`: the input has ended.
    mutating func readBatch(final: Bool)
}

extension LaneReader {
    /// Reads every complete line in `chunk`, at once or by the batch; a trailing partial line waits
    /// for the next chunk.
    @inline(__always)
    mutating func readLines(_ chunk: UnsafeRawBufferPointer) {
        if usesLanes {
            batch.append(contentsOf: chunk)
            if batch.count >= batchBytes { readBatch(final: false) }
        } else {
            readAlone(chunk)
        }
    }

    /// Reads the complete lines of `chunk` on this thread.
    mutating func readAlone(_ chunk: UnsafeRawBufferPointer) {
        var lines = LineSplitter(maxLineLength: 0)
        swap(&lines, &splitter)  // the splitter calls back into `self`
        lines.split(chunk) { readLine($0, $1, number: $2) }
        swap(&lines, &splitter)
    }

    /// Reads a last line that had no newline.
    mutating func readLastLine() {
        var lines = LineSplitter(maxLineLength: 0)
        swap(&lines, &splitter)
        lines.finish { readLine($0, $1, number: $2) }
        swap(&lines, &splitter)
    }
}
