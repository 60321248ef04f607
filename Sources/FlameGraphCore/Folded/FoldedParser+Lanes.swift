/// Folded input on both cores: input is gathered into batches; each batch's whole lines are cut in two
/// at a line end near the middle, this parser takes the first half while a fresh one takes the second,
/// and the second's tree is merged into this one. Merging walks the second tree in node order, so nodes
/// and names get exactly the ids a single pass would have given them: the same profile however the
/// input was chunked (weights too, when they are integers; fractional sums may differ in the last bit).
extension FoldedParser {
    /// Parses the gathered batch: whole lines in two lanes, a trailing partial line kept for later
    /// (or, when `final`, parsed as the last line).
    mutating func readBatch(final: Bool) {
        var work: [UInt8] = []
        swap(&work, &batch)
        var consumed = 0
        work.withUnsafeBytes { all in
            var start = 0
            // A line that began before this batch (after a stretch without newlines) ends on its own.
            if splitter.carriedBytes > 0 || splitter.isSkipping {
                let end = TwoLanes.firstCut(all, separator: [0x0A]) ?? all.count
                readAlone(UnsafeRawBufferPointer(rebasing: all[0..<end]))
                start = end
            }
            let rest = UnsafeRawBufferPointer(rebasing: all[start...])
            // Whole lines only; with no newline at all, the splitter carries (or drops) the stretch.
            let whole = final ? rest.count : (TwoLanes.lastCut(rest, separator: [0x0A]) ?? rest.count)
            let lines = UnsafeRawBufferPointer(rebasing: rest[0..<whole])
            if whole >= smallestSplit, let mid = TwoLanes.middleCut(lines, separator: [0x0A]), mid < whole {
                parseInLanes(
                    UnsafeRawBufferPointer(rebasing: lines[0..<mid]), UnsafeRawBufferPointer(rebasing: lines[mid...]))
            } else {
                readAlone(lines)
            }
            consumed = start + whole
        }
        // Keep the partial last line, and the buffer for the next batch.
        work.removeFirst(consumed)
        swap(&work, &batch)
    }

    /// `first` here and `second` in a fresh parser at the same time, then the second merged in.
    private mutating func parseInLanes(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) {
        laneBatches += 1
        var lane = FoldedParser(sourceName: sourceName, keepSequence: false, lanes: false)
        TwoLanes.run(
            { readAlone(first) },
            {
                lane.readAlone(second)
                lane.readLastLine()
            })
        absorb(lane)
    }

    /// Takes in what a lane parsed from the lines right after this parser's.
    private mutating func absorb(_ lane: FoldedParser) {
        let map = profile.merge(lane.profile, newNamesFrom: 0)
        validLines += lane.validLines
        if lane.invalidLines > 0 {
            if firstInvalidLine == 0 {
                firstInvalidLine = splitter.lineNumber + lane.firstInvalidLine
                firstInvalidText = lane.firstInvalidText
            }
            invalidLines += lane.invalidLines
        }
        if lane.sawFractional { sawFractional = true }
        if let unit = lane.declaredUnit { declaredUnit = unit }
        if let laneFirst = lane.firstStack {
            if !lane.isSorted || Self.precedes(laneFirst, prevStack) { isSorted = false }
            if firstStack == nil { firstStack = laneFirst }
            // Continue from the lane's last stack, as a single pass would have.
            prevStack = lane.prevStack
            prevEnds = lane.prevEnds
            prevNodes = lane.prevNodes.map { map[Int($0)] }
        }
        splitter.append(lane.splitter)
    }

    /// Whether stack `a` sorts before stack `b` (byte order, a prefix first).
    private static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let m = min(a.count, b.count)
        var i = 0
        while i < m {
            if a[i] != b[i] { return a[i] < b[i] }
            i += 1
        }
        return a.count < b.count
    }
}
