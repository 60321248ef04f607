/// `perf script` text on both cores, as inferno's collapser does with threads: input is gathered into
/// batches, each batch's whole samples are cut in two at the blank line nearest the middle, this
/// collapser takes the first half while a second one (kept across batches, with its frame cache) takes
/// the other, and the second's tree is merged into this one in node order — so nodes get the ids one
/// pass would have given them, and the folded output is the same bytes.
extension PerfScriptCollapser {
    static let sampleEnd: [UInt8] = [0x0A, 0x0A]

    /// Collapses the gathered batch: whole samples in two lanes, a trailing partial sample kept for
    /// later (or, when `final`, collapsed as the end of the input).
    mutating func readBatch(final: Bool) {
        var work: [UInt8] = []
        swap(&work, &batch)
        var consumed = 0
        work.withUnsafeBytes { all in
            var start = 0
            // One sample at a time on this core until the lanes can start cleanly: the first event
            // sets the event type both lanes keep, and a lane starts between samples, on a new line.
            while start < all.count && (filter == nil || inEvent || splitter.carriedBytes > 0 || splitter.isSkipping) {
                let rest = UnsafeRawBufferPointer(rebasing: all[start...])
                let end = start + (TwoLanes.firstCut(rest, separator: Self.sampleEnd) ?? rest.count)
                readAlone(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            }
            let rest = UnsafeRawBufferPointer(rebasing: all[start...])
            // Whole samples only; with no blank line at all, the stretch goes through this core.
            let whole = final ? rest.count : (TwoLanes.lastCut(rest, separator: Self.sampleEnd) ?? rest.count)
            let samples = UnsafeRawBufferPointer(rebasing: rest[0..<whole])
            if whole >= smallestSplit, let mid = TwoLanes.middleCut(samples, separator: Self.sampleEnd),
                mid < whole
            {
                collapseInLanes(
                    UnsafeRawBufferPointer(rebasing: samples[0..<mid]),
                    UnsafeRawBufferPointer(rebasing: samples[mid...]), final: final)
            } else {
                readAlone(samples)
            }
            consumed = start + whole
        }
        // Keep the partial last sample, and the buffer for the next batch.
        work.removeFirst(consumed)
        swap(&work, &batch)
    }

    /// `first` here and `second` in the second lane at the same time, then the second merged in.
    private mutating func collapseInLanes(
        _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, final: Bool
    ) {
        laneBatches += 1
        var other = lane.popLast() ?? PerfScriptCollapser(options: options, lanes: false)
        other.filter = filter
        TwoLanes.run(
            { readAlone(first) },
            {
                other.readAlone(second)
                if final { other.endInput() }
            })
        absorb(&other)
        lane = [other]
    }

    /// Takes in what the second lane collapsed from the samples right after this collapser's, and
    /// empties its tree (it keeps its names and frame cache) for the next batch.
    private mutating func absorb(_ other: inout PerfScriptCollapser) {
        // Frames are named leaf first, nodes made root first: take the lane's new names in its order.
        profile.merge(other.profile, newNamesFrom: laneNamesMerged)
        laneNamesMerged = other.profile.names.count
        samplesKept += other.samplesKept
        samplesFiltered += other.samplesFiltered
        if other.weirdLines > 0 {
            if weirdLines == 0 { diagnostics.merge(other.diagnostics) }  // the first weird line, quoted
            weirdLines += other.weirdLines
        }
        if other.badStackLines > 0 {
            if firstBadStackLine == 0 { firstBadStackLine = splitter.lineNumber + other.firstBadStackLine }
            badStackLines += other.badStackLines
        }
        splitter.append(other.splitter)

        other.profile.removeAllStacks()
        other.prevPath.removeAll(keepingCapacity: true)
        other.prevNodes.removeAll(keepingCapacity: true)
        other.samplesKept = 0
        other.samplesFiltered = 0
        other.weirdLines = 0
        other.badStackLines = 0
        other.firstBadStackLine = 0
        other.splitter = LineSplitter()
        other.diagnostics = Diagnostics()
    }
}
