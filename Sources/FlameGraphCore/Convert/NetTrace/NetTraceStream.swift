/// What the stream reports, in file order, to whoever turns events into something useful.
protocol NetTraceVisitor {
    mutating func trace(pointerSize: Int, qpcFrequency: Int64, samplingIntervalNs: Int)
    /// A StackBlock: ids `firstID`, `firstID + 1`, … now mean these stacks (ids are reused in one file).
    mutating func stacks(firstID: UInt32, _ stacks: [[UInt64]])
    mutating func event(_ header: NetTraceEventHeader, kind: NetTraceEventKind?, payload: NetTraceBytes) throws
}

/// Walks the FastSerialization object stream of a nettrace file (versions 4 and 5: .NET Core 3.x to 9):
/// the Trace object, then EventBlock, MetadataBlock, StackBlock and SPBlock objects until the
/// NullReference tag. Streaming, in file order; nothing is sorted here.
struct NetTraceStream {
    static let magic: [UInt8] = Array("Nettrace".utf8)
    private static let nullReference: UInt8 = 1
    private static let beginPrivateObject: UInt8 = 5
    private static let endObject: UInt8 = 6

    private var r: NetTraceBytes
    private var pointerSize = 8
    private var kinds: [UInt32: NetTraceEventKind] = [:]
    private(set) var warnings: [String] = []

    init(_ bytes: [UInt8], sourceName: String) {
        r = NetTraceBytes(bytes, sourceName: sourceName)
    }

    static func looksLikeNetTrace(_ prefix: UnsafeBufferPointer<UInt8>) -> Bool {
        prefix.count >= magic.count && zip(prefix, magic).allSatisfy { $0 == $1 }
    }

    /// With `allowTruncated`, a stream cut short (a live session whose process exited) ends at the last
    /// complete object with a warning instead of an error.
    mutating func run<V: NetTraceVisitor>(_ visitor: inout V, allowTruncated: Bool = false) throws {
        try r.skip(Self.magic.count, "the Nettrace magic")
        let serializer = try r.lengthPrefixedUTF8()
        guard serializer == "!FastSerialization.1" else {
            throw r.failure(
                "expected the \"!FastSerialization.1\" header of nettrace versions 4–5 (.NET Core 3 to .NET 9), found \"\(serializer.prefix(40))\" (version 6 traces are not supported yet)"
            )
        }
        var sawTrace = false
        while true {
            if allowTruncated && sawTrace && r.isAtEnd {
                warnings.append("\(r.sourceName) ends without its end mark: read up to there")
                return
            }
            do {
                guard try readObject(&visitor, sawTrace: &sawTrace) else { break }
            } catch  where allowTruncated && sawTrace {
                warnings.append("\(r.sourceName) ends in the middle of an object: read up to there")
                return
            }
        }
        guard sawTrace else { throw r.failure("no Trace object") }
    }

    /// One object: false at the NullReference tag that ends the stream.
    private mutating func readObject<V: NetTraceVisitor>(_ visitor: inout V, sawTrace: inout Bool) throws -> Bool {
        let tagAt = r.position
        let tag = try r.u8()
        if tag == Self.nullReference { return false }
        guard tag == Self.beginPrivateObject else { throw r.failure("unexpected tag \(tag)", at: tagAt) }
        let (typeName, version) = try readType()
        if !sawTrace {
            guard typeName == "Trace" else { throw r.failure("the first object is \(typeName), not Trace") }
            try readTrace(&visitor)
            sawTrace = true
        } else {
            try readBlock(typeName, version: version, &visitor)
        }
        let endAt = r.position
        guard try r.u8() == Self.endObject else { throw r.failure("\(typeName) object not closed", at: endAt) }
        return true
    }

    /// BeginPrivateObject, NullReference (a type's type), version, minimum reader version, name, EndObject.
    private mutating func readType() throws -> (String, Int32) {
        let at = r.position
        guard try r.u8() == Self.beginPrivateObject, try r.u8() == Self.nullReference else {
            throw r.failure("malformed object type", at: at)
        }
        let version = try r.i32()
        _ = try r.i32()
        let name = try r.lengthPrefixedUTF8()
        guard try r.u8() == Self.endObject else { throw r.failure("type \(name) not closed") }
        return (name, version)
    }

    private mutating func readTrace<V: NetTraceVisitor>(_ visitor: inout V) throws {
        try r.skip(16, "the trace's UTC sync time")
        _ = try r.i64()  // sync QPC
        let frequency = try r.i64()
        pointerSize = Int(try r.i32())
        _ = try r.i32()  // process id
        _ = try r.i32()  // processors
        let rate = try r.i32()
        guard pointerSize == 4 || pointerSize == 8, frequency > 0 else {
            throw r.failure("implausible trace header (pointer size \(pointerSize), QPC frequency \(frequency))")
        }
        visitor.trace(pointerSize: pointerSize, qpcFrequency: frequency, samplingIntervalNs: Int(max(rate, 0)))
    }

    private mutating func readBlock<V: NetTraceVisitor>(_ typeName: String, version: Int32, _ visitor: inout V)
        throws
    {
        let size = try r.length("\(typeName) size")
        try r.alignTo4()
        var block = try r.sub(size, typeName)
        switch typeName {
        case "EventBlock": try readEvents(&block, isMetadata: false, &visitor)
        case "MetadataBlock": try readEvents(&block, isMetadata: true, &visitor)
        case "StackBlock": try readStacks(&block, &visitor)
        case "SPBlock": break  // sequence points: only for sorting and dropped-event checks
        default:
            let note = "\(r.sourceName): skipped \(typeName) objects (unknown to this reader)"
            if !warnings.contains(note) { warnings.append(note) }
        }
    }

    private mutating func readEvents<V: NetTraceVisitor>(
        _ block: inout NetTraceBytes, isMetadata: Bool, _ visitor: inout V
    ) throws {
        let headerStart = block.position
        let headerSize = Int(try block.u16())
        let flags = try block.u16()
        guard headerSize >= 4 else { throw block.failure("block header of \(headerSize) bytes", at: headerStart) }
        block.position = headerStart
        try block.skip(headerSize, "block header")
        let compressed = flags & 1 != 0
        var header = NetTraceEventHeader()
        while !block.isAtEnd {
            var blobEnd: Int? = nil
            if compressed {
                try header.readCompressed(&block)
            } else {
                blobEnd = try header.readUncompressed(&block)
            }
            let payload = try block.sub(header.payloadSize, "an event payload")
            if isMetadata {
                var p = payload
                try readMetadata(&p)
            } else {
                try visitor.event(header, kind: kinds[header.metadataID], payload: payload)
            }
            if let blobEnd {
                block.position = blobEnd
                try block.alignTo4()
            }
        }
    }

    private mutating func readMetadata(_ p: inout NetTraceBytes) throws {
        let id = try p.u32()
        let provider = try p.utf16z()
        let eventID = try p.i32()
        let name = try p.utf16z()
        _ = try p.i64()  // keywords
        let version = try p.i32()
        kinds[id] = NetTraceEventKind(provider: provider, eventID: eventID, name: name, version: version)
    }

    private mutating func readStacks<V: NetTraceVisitor>(_ block: inout NetTraceBytes, _ visitor: inout V) throws {
        let firstID = try block.u32()
        let count = try block.length("stack count")
        var stacks: [[UInt64]] = []
        stacks.reserveCapacity(min(count, block.remaining / 4))
        for _ in 0..<count {
            let size = try block.length("stack size")
            var s = try block.sub(size, "a stack")
            var ips: [UInt64] = []
            ips.reserveCapacity(size / pointerSize)
            while s.remaining >= pointerSize { ips.append(pointerSize == 8 ? try s.u64() : UInt64(try s.u32())) }
            stacks.append(ips)
        }
        visitor.stacks(firstID: firstID, stacks)
    }
}
