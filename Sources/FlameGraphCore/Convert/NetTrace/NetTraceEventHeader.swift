/// One event blob's header (NetTraceFormat_v5 "Event blobs"), in either encoding.
struct NetTraceEventHeader {
    var metadataID: UInt32 = 0
    var sequenceNumber: UInt32 = 0
    var captureThreadID: UInt64 = 0
    var processorNumber: UInt32 = 0
    var threadID: UInt64 = 0
    var stackID: UInt32 = 0
    /// QPC ticks (see the trace's QPC frequency).
    var timestamp: Int64 = 0
    var payloadSize = 0

    /// Header compression: each field is absent (repeat the previous event's), present, or a delta.
    /// `self` holds the previous header of the same block (all zero at a block's start).
    mutating func readCompressed(_ r: inout NetTraceBytes) throws {
        let flags = try r.u8()
        if flags & 1 != 0 { metadataID = try r.varUInt32() }
        if flags & 2 != 0 {
            sequenceNumber = sequenceNumber &+ (try r.varUInt32())
            captureThreadID = try r.varUInt64()
            processorNumber = try r.varUInt32()
        }
        if metadataID != 0 { sequenceNumber &+= 1 }
        if flags & 4 != 0 { threadID = try r.varUInt64() }
        if flags & 8 != 0 { stackID = try r.varUInt32() }
        timestamp = timestamp &+ Int64(bitPattern: try r.varUInt64())
        if flags & 16 != 0 { try r.skip(16, "an activity id") }
        if flags & 32 != 0 { try r.skip(16, "a related activity id") }
        if flags & 128 != 0 { payloadSize = Int(try r.varUInt32()) }
    }

    /// The fixed 4-byte-aligned layout; returns where the blob ends (before alignment padding).
    mutating func readUncompressed(_ r: inout NetTraceBytes) throws -> Int {
        let size = try r.length("event size")
        let blobEnd = r.position + size
        try r.need(size, "an event blob")
        metadataID = try r.u32() & 0x7FFF_FFFF  // the high bit is the IsSorted flag
        sequenceNumber = try r.u32()
        threadID = try r.u64()
        captureThreadID = try r.u64()
        processorNumber = try r.u32()
        stackID = try r.u32()
        timestamp = try r.i64()
        try r.skip(32, "activity ids")
        payloadSize = try r.length("payload size")
        return blobEnd
    }
}

/// One metadata record: which provider and event an event blob's metadata id stands for.
struct NetTraceEventKind {
    var provider: String
    var eventID: Int32
    var name: String
    var version: Int32
}
