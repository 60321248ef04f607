/// Options for reading pprof profiles.
public struct PprofOptions: Sendable {
    /// The sample type to draw, by its type name (`cpu`, `samples`, `alloc_space`, `inuse_space`, …) or
    /// by its index; nil picks the profile's `default_sample_type`, else its last sample type (as
    /// `go tool pprof` does).
    public var sampleType: String? = nil
    /// The most bytes a gzip-compressed profile may expand to (a guard against decompression bombs).
    public var maxDecompressedBytes: Int = 4 << 30

    public init(sampleType: String? = nil) {
        self.sampleType = sampleType
    }
}

/// Reads pprof profiles (`profile.proto`, gzip-compressed or raw) into the stack model.
///
/// One sample type is chosen; each sample's stack is its locations from the root down, every location
/// expanded into its (inlined) functions, outermost first. Unsymbolized locations are named by their
/// address, plus the basename of their mapping's file when it has one. Every id and string index is
/// checked, and the work done is bounded by the size of the input.
public enum PprofDecoder {
    /// Decodes `bytes`; `sourceName` names the input in messages.
    public static func decode(_ bytes: [UInt8], sourceName: String, options: PprofOptions) throws -> (
        Profile, Diagnostics
    ) {
        var data = bytes
        var compressed = false
        if Gzip.isGzip(bytes) {
            do {
                data = try Gzip.decompress(bytes, limit: options.maxDecompressedBytes)
            } catch let error as FlameGraphError {
                throw FlameGraphError(error.kind, "\(sourceName): \(error.message)")
            }
            compressed = true
        }
        do {
            var decoder = PprofMessageDecoder(data: data, options: options, sourceName: sourceName)
            return try decoder.run()
        } catch let error as FlameGraphError {
            let note = compressed && error.message.contains(" byte ") ? " (offsets count decompressed bytes)" : ""
            throw FlameGraphError(error.kind, "\(sourceName): \(error.message)\(note)")
        }
    }

    /// The frame given to samples that have no locations at all.
    static let noStackFrame = "[no stack]"
}

/// Maps the profile's ids (arbitrary nonzero uint64s, usually 1…n) to dense indices.
struct IDIndex {
    private var dense: [Int] = []
    private var sparse: [UInt64: Int] = [:]
    private var isDense = true

    /// Fails with the index of the first duplicate, or the id 0, as an error message.
    init(ids: [UInt64], what: String) throws {
        let maxID = ids.max() ?? 0
        isDense = maxID <= UInt64(4 * ids.count + 64)
        if isDense {
            dense = [Int](repeating: -1, count: Int(maxID) + 1)
        } else {
            sparse.reserveCapacity(ids.count)
        }
        for (i, id) in ids.enumerated() {
            guard id != 0 else { throw FlameGraphError(.badInput, "\(what) #\(i + 1) has id 0, which is reserved") }
            if isDense {
                guard dense[Int(id)] < 0 else { throw FlameGraphError(.badInput, "duplicate \(what) id \(id)") }
                dense[Int(id)] = i
            } else {
                guard sparse.updateValue(i, forKey: id) == nil else {
                    throw FlameGraphError(.badInput, "duplicate \(what) id \(id)")
                }
            }
        }
    }

    @inline(__always)
    func find(_ id: UInt64) -> Int? {
        if isDense {
            guard id < UInt64(dense.count) else { return nil }
            let i = dense[Int(id)]
            return i < 0 ? nil : i
        }
        return sparse[id]
    }
}

struct PprofMessageDecoder {
    let data: [UInt8]
    let options: PprofOptions
    let sourceName: String

    var profile = Profile()
    var diagnostics = Diagnostics()

    // Top-level fields, as ranges of `data` (parsed once everything they refer to is known).
    var sampleTypeRanges: [Range<Int>] = []
    var sampleRanges: [Range<Int>] = []
    var mappingRanges: [Range<Int>] = []
    var locationRanges: [Range<Int>] = []
    var functionRanges: [Range<Int>] = []
    var strings: [Range<Int>] = []
    var defaultSampleType: Int64 = 0
    var dropFrames: Int64 = 0
    var keepFrames: Int64 = 0

    // Functions: their name (or system name) as a string range; interned on first use.
    var functionIDs: IDIndex? = nil
    var functionNameRange: [Range<Int>?] = []
    /// Interned name id per function: -2 not yet interned, -1 nameless.
    var functionNameID: [Int32] = []

    // Mappings: the basename of their file, if any.
    var mappingIDs: IDIndex? = nil
    var mappingBasename: [Range<Int>?] = []

    // Locations: their lines (function indices, innermost first), mapping and address.
    var locationIDs: IDIndex? = nil
    var locationLineStart: [Int] = [0]
    var lineFunction: [Int] = []
    var locationMapping: [Int] = []
    var locationAddress: [UInt64] = []
    /// Frames of each location root-first, as `frameStore[start..<end]`; start -1 until first used.
    var locationFrameStart: [Int] = []
    var locationFrameEnd: [Int] = []
    var frameStore: [Int32] = []

    /// Frames that may still be added to stacks: bounds the work by the input size even when a few
    /// deeply inlined locations are referenced over and over.
    var frameBudget: Int

    init(data: [UInt8], options: PprofOptions, sourceName: String) {
        self.data = data
        self.options = options
        self.sourceName = sourceName
        frameBudget = min((1 << 20) + 16 * data.count, 1 << 30)
    }

    static func fail(_ message: String) -> FlameGraphError { FlameGraphError(.badInput, message) }

    mutating func run() throws -> (Profile, Diagnostics) {
        try readTopLevel()
        try readFunctions()
        try readMappings()
        try readLocations()
        let (chosen, typeName, unit) = try chooseSampleType()
        profile.unit = unit
        try readSamples(valueIndex: chosen, typeName: typeName)
        for (what, index) in [("drop_frames", dropFrames), ("keep_frames", keepFrames)] where index != 0 {
            let pattern = try text(string(index, in: what))
            if !pattern.isEmpty {
                diagnostics.warn("\(sourceName): the profile's \(what) pattern '\(pattern)' is not applied")
            }
        }
        return (profile, diagnostics)
    }

    // MARK: - Strings

    func string(_ index: Int64, in what: @autoclosure () -> String) throws -> Range<Int> {
        guard index >= 0 && index < Int64(strings.count) else {
            throw Self.fail(
                "string index \(index) in \(what()) is out of range (the string table has \(strings.count) entries)")
        }
        return strings[Int(index)]
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: data[range], as: UTF8.self)
    }

    /// Interns `bytes` as a frame name, with `;` made `:` and line breaks made spaces (folded-safe).
    mutating func internName(_ bytes: ArraySlice<UInt8>) -> Int32 {
        var clean = Array(bytes)
        for k in clean.indices {
            switch clean[k] {
            case 0x3B: clean[k] = 0x3A
            case 0x0A, 0x0D: clean[k] = 0x20
            default: break
            }
        }
        return clean.withUnsafeBytes { buf in
            profile.names.intern(buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, buf.count)
        }
    }

    // MARK: - Profile message

    mutating func readTopLevel() throws {
        var reader = ProtobufReader(data)
        while let field = try reader.nextField() {
            switch field.number {
            case 1: sampleTypeRanges.append(try reader.readBytesRange(field))
            case 2: sampleRanges.append(try reader.readBytesRange(field))
            case 3: mappingRanges.append(try reader.readBytesRange(field))
            case 4: locationRanges.append(try reader.readBytesRange(field))
            case 5: functionRanges.append(try reader.readBytesRange(field))
            case 6: strings.append(try reader.readBytesRange(field))
            case 7: dropFrames = try reader.readInt64(field)
            case 8: keepFrames = try reader.readInt64(field)
            case 14: defaultSampleType = try reader.readInt64(field)
            // time_nanos, duration_nanos, period_type, period, comment and newer fields are not needed.
            default: try reader.skip(field)
            }
        }
    }

    mutating func readFunctions() throws {
        var ids: [UInt64] = []
        ids.reserveCapacity(functionRanges.count)
        functionNameRange.reserveCapacity(functionRanges.count)
        for range in functionRanges {
            var reader = ProtobufReader(data, range: range)
            var id: UInt64 = 0
            var name: Int64 = 0
            var systemName: Int64 = 0
            var filename: Int64 = 0
            while let field = try reader.nextField() {
                switch field.number {
                case 1: id = try reader.readUInt64(field)
                case 2: name = try reader.readInt64(field)
                case 3: systemName = try reader.readInt64(field)
                case 4: filename = try reader.readInt64(field)
                default: try reader.skip(field)  // start_line
                }
            }
            let what = "function \(id) (byte \(range.lowerBound))"
            let nameRange = try string(name, in: what)
            let systemRange = try string(systemName, in: what)
            _ = try string(filename, in: what)
            ids.append(id)
            functionNameRange.append(!nameRange.isEmpty ? nameRange : !systemRange.isEmpty ? systemRange : nil)
        }
        functionIDs = try IDIndex(ids: ids, what: "function")
        functionNameID = [Int32](repeating: -2, count: ids.count)
    }

    mutating func readMappings() throws {
        var ids: [UInt64] = []
        ids.reserveCapacity(mappingRanges.count)
        for range in mappingRanges {
            var reader = ProtobufReader(data, range: range)
            var id: UInt64 = 0
            var filename: Int64 = 0
            var buildID: Int64 = 0
            while let field = try reader.nextField() {
                switch field.number {
                case 1: id = try reader.readUInt64(field)
                case 5: filename = try reader.readInt64(field)
                case 6: buildID = try reader.readInt64(field)
                default: try reader.skip(field)  // addresses, offsets, has_* flags
                }
            }
            let what = "mapping \(id) (byte \(range.lowerBound))"
            let file = try string(filename, in: what)
            _ = try string(buildID, in: what)
            var start = file.upperBound
            while start > file.lowerBound && data[start - 1] != UInt8(ascii: "/") { start -= 1 }
            ids.append(id)
            mappingBasename.append(start < file.upperBound ? start..<file.upperBound : nil)
        }
        mappingIDs = try IDIndex(ids: ids, what: "mapping")
    }

    mutating func readLocations() throws {
        guard let functionIDs, let mappingIDs else { return }
        var ids: [UInt64] = []
        ids.reserveCapacity(locationRanges.count)
        for range in locationRanges {
            var reader = ProtobufReader(data, range: range)
            var id: UInt64 = 0
            var mapping = -1
            var address: UInt64 = 0
            while let field = try reader.nextField() {
                switch field.number {
                case 1: id = try reader.readUInt64(field)
                case 2:
                    let mappingID = try reader.readUInt64(field)
                    if mappingID != 0 {
                        guard let m = mappingIDs.find(mappingID) else {
                            throw Self.fail(
                                "location at byte \(range.lowerBound) refers to unknown mapping id \(mappingID)")
                        }
                        mapping = m
                    }
                case 3: address = try reader.readUInt64(field)
                case 4:
                    var line = try reader.readMessage(field)
                    var functionID: UInt64 = 0
                    while let lineField = try line.nextField() {
                        if lineField.number == 1 {
                            functionID = try line.readUInt64(lineField)
                        } else {
                            try line.skip(lineField)  // line, column
                        }
                    }
                    var function = -1
                    if functionID != 0 {
                        guard let f = functionIDs.find(functionID) else {
                            throw Self.fail(
                                "location at byte \(range.lowerBound) refers to unknown function id \(functionID)")
                        }
                        function = f
                    }
                    lineFunction.append(function)
                default: try reader.skip(field)  // is_folded
                }
            }
            ids.append(id)
            locationLineStart.append(lineFunction.count)
            locationMapping.append(mapping)
            locationAddress.append(address)
        }
        locationIDs = try IDIndex(ids: ids, what: "location")
        locationFrameStart = [Int](repeating: -1, count: ids.count)
        locationFrameEnd = [Int](repeating: -1, count: ids.count)
    }

    // MARK: - Frames

    mutating func functionName(_ function: Int) -> Int32 {
        let cached = functionNameID[function]
        if cached != -2 { return cached }
        var id: Int32 = -1
        if let range = functionNameRange[function] { id = internName(data[range]) }
        functionNameID[function] = id
        return id
    }

    /// The frames of location `index`, root first, as a range of `frameStore`.
    mutating func frames(ofLocation index: Int) -> Range<Int> {
        if locationFrameStart[index] >= 0 {
            return locationFrameStart[index]..<locationFrameEnd[index]
        }
        let start = frameStore.count
        // Lines are innermost first (line[0] is the inlined callee): walk them backwards.
        var line = locationLineStart[index + 1] - 1
        while line >= locationLineStart[index] {
            let function = lineFunction[line]
            if function >= 0 {
                let name = functionName(function)
                if name >= 0 { frameStore.append(name) }
            }
            line -= 1
        }
        if frameStore.count == start {
            // Unsymbolized (or only nameless functions): the address, and the mapped file's basename.
            var name = Array("0x\(String(locationAddress[index], radix: 16))".utf8)
            let mapping = locationMapping[index]
            if mapping >= 0, let base = mappingBasename[mapping] {
                name += Array(" (".utf8) + data[base] + [UInt8(ascii: ")")]
            }
            frameStore.append(internName(name[...]))
        }
        locationFrameStart[index] = start
        locationFrameEnd[index] = frameStore.count
        return start..<frameStore.count
    }
}
