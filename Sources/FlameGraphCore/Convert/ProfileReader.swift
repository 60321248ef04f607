/// Options that importers share; each format reads what applies to it.
public struct ImportOptions: Sendable {
    /// Keep stacks in input order (flame charts).
    public var keepSequence = false
    /// `perf script` collapsing.
    public var perf = PerfCollapseOptions()
    /// pprof: which sample type to read (default: `default_sample_type`, else the last).
    public var sampleType: String? = nil
    /// V8 .cpuprofile: weights in microseconds (from timeDeltas) instead of sample counts.
    public var weightByTime = false
    /// V8 .cpuprofile: drop (idle), (program) and (garbage collector).
    public var dropIdle = false
    /// speedscope: start each stack with its profile's (thread's) name.
    public var prefixThreadName = false
    public init() {}
}

/// A decoded input: the profile, what was noticed on the way, and the format it was read as.
public struct DecodedProfile: Sendable {
    public var profile: Profile
    public var diagnostics: Diagnostics
    public var format: ProfileFormat
    /// Folded input only: whether its stacks were already in sorted order.
    public var inputSorted = true
    /// Folded input only: the first line that could not be parsed.
    public var firstInvalidLine: String? = nil
}

/// Reads any supported profile from bytes fed in chunks: sniffs the format from the first bytes
/// (unless forced), then streams line formats through their parser and buffers the others.
public struct ProfileReader {
    private enum State {
        case sniffing([UInt8])
        case folded(FoldedParser)
        case perf(PerfScriptCollapser)
        case buffered(ProfileFormat, [UInt8])
    }

    private var state: State = .sniffing([])
    private let forced: ProfileFormat?
    private let sourceName: String
    private let options: ImportOptions
    /// Enough bytes to tell every format apart.
    static let sniffLength = 64 * 1024

    public init(format: ProfileFormat? = nil, sourceName: String, options: ImportOptions = ImportOptions()) {
        forced = format
        self.sourceName = sourceName
        self.options = options
    }

    public mutating func consume(_ chunk: UnsafeRawBufferPointer) throws {
        switch state {
        case .sniffing(var head):
            head.append(contentsOf: chunk)
            if head.count >= Self.sniffLength || forced != nil {
                try start(with: head)
            } else {
                state = .sniffing(head)
            }
        case .folded(var parser):
            state = .sniffing([])  // release the copy before mutating
            parser.consume(chunk)
            state = .folded(parser)
        case .perf(var collapser):
            state = .sniffing([])
            collapser.consume(chunk)
            state = .perf(collapser)
        case .buffered(let format, var bytes):
            state = .sniffing([])
            bytes.append(contentsOf: chunk)
            state = .buffered(format, bytes)
        }
    }

    public mutating func consume(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try consume($0) }
    }

    private mutating func start(with head: [UInt8]) throws {
        let format: ProfileFormat
        if let forced {
            format = forced
        } else if let sniffed = head.withUnsafeBytes({ ProfileFormat.sniff($0) }) {
            format = sniffed
        } else if head.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw FlameGraphError(.badInput, "\(sourceName) is empty: no stack counts found")
        } else {
            throw FlameGraphError(
                .badInput,
                "\(sourceName): unknown profile format (tried \(ProfileFormat.allCases.map(\.rawValue).joined(separator: ", "))); pass --format to force one"
            )
        }
        switch format {
        case .folded, .diffFolded:
            var parser = FoldedParser(sourceName: sourceName, keepSequence: options.keepSequence)
            parser.consume(head)
            state = .folded(parser)
        case .perf:
            var collapser = PerfScriptCollapser(options: options.perf)
            collapser.consume(head)
            state = .perf(collapser)
        default:
            state = .buffered(format, head)
        }
    }

    /// Finishes the input and returns the profile; throws a bad-input error naming the source when the
    /// input is broken or holds no samples.
    public mutating func finish() throws -> DecodedProfile {
        if case .sniffing(let head) = state { try start(with: head) }
        switch state {
        case .sniffing: fatalError("unreachable: start() always leaves sniffing")
        case .folded(var parser):
            parser.finish()
            guard parser.validLines > 0 else {
                throw FlameGraphError(
                    .badInput, "\(sourceName): no stack counts found (no line of the form 'frame;frame COUNT')")
            }
            return DecodedProfile(
                profile: parser.profile, diagnostics: parser.diagnostics, format: .folded, inputSorted: parser.isSorted,
                firstInvalidLine: parser.firstInvalidText)
        case .perf(var collapser):
            collapser.finish()
            guard collapser.profile.totalWeight > 0 else {
                throw FlameGraphError(
                    .badInput,
                    "\(sourceName): no samples found in the perf script output\(collapser.eventType.map { " (event filter: \($0))" } ?? "")"
                )
            }
            return DecodedProfile(
                profile: Self.perfProfile(collapser), diagnostics: collapser.diagnostics, format: .perf)
        case .buffered(let format, let bytes):
            return try Self.decodeWhole(bytes, format: format, sourceName: sourceName, options: options)
        }
    }

    static func decodeWhole(_ bytes: [UInt8], format: ProfileFormat, sourceName: String, options: ImportOptions)
        throws -> DecodedProfile
    {
        switch format {
        case .svg:
            let (profile, diagnostics) = try SVGProfileReader.read(bytes, sourceName: sourceName)
            return DecodedProfile(profile: profile, diagnostics: diagnostics, format: .svg)
        case .cpuprofile:
            let (profile, diagnostics) = try CPUProfileDecoder.decode(
                bytes, sourceName: sourceName,
                options: CPUProfileOptions(
                    weightByTime: options.weightByTime, dropIdle: options.dropIdle, keepSequence: options.keepSequence))
            return DecodedProfile(profile: profile, diagnostics: diagnostics, format: .cpuprofile)
        case .speedscope:
            let (profile, diagnostics) = try SpeedscopeDecoder.decode(
                bytes, sourceName: sourceName,
                options: SpeedscopeOptions(
                    prefixProfileName: options.prefixThreadName, keepSequence: options.keepSequence))
            return DecodedProfile(profile: profile, diagnostics: diagnostics, format: .speedscope)
        case .pprof:
            let (profile, diagnostics) = try PprofDecoder.decode(
                bytes, sourceName: sourceName, options: PprofOptions(sampleType: options.sampleType))
            return DecodedProfile(profile: profile, diagnostics: diagnostics, format: .pprof)
        case .nettrace:
            let (profile, diagnostics) = try NetTraceDecoder.decode(bytes, sourceName: sourceName)
            return DecodedProfile(profile: profile, diagnostics: diagnostics, format: .nettrace)
        default:
            throw FlameGraphError(.badInput, "\(sourceName): the \(format.rawValue) format is not supported yet")
        }
    }

    /// What perf's weights count. perf prints each sample's period when asked (`-F period`, or by
    /// default with `perf record -c`): then a weight is not one sample but the event's count over the
    /// period — nanoseconds for the software clocks, events (cycles, instructions…) otherwise.
    public static func perfUnit(_ collapser: PerfScriptCollapser) -> WeightUnit {
        guard collapser.profile.totalWeight != Double(collapser.samplesKept) else { return .samples }
        switch collapser.eventType {
        case "cpu-clock", "task-clock": return .nanoseconds
        default: return .count
        }
    }

    /// The collapsed profile, saying what its weights are (`perfUnit`) and, when they are periods, the
    /// mean period as its sampling interval, so the gate counts samples and not nanoseconds or events
    /// (cpu-clock's period is fixed: 1e9 / F ns at `-F F`).
    public static func perfProfile(_ collapser: PerfScriptCollapser) -> Profile {
        var profile = collapser.profile
        profile.unit = perfUnit(collapser)
        if profile.unit != .samples && collapser.samplesKept > 0 {
            profile.samplingInterval = profile.totalWeight / Double(collapser.samplesKept)
        }
        return profile
    }

    /// Decodes a whole in-memory input.
    public static func decode(
        _ bytes: [UInt8], format: ProfileFormat? = nil, sourceName: String, options: ImportOptions = ImportOptions()
    ) throws -> DecodedProfile {
        var reader = ProfileReader(format: format, sourceName: sourceName, options: options)
        try reader.consume(bytes)
        return try reader.finish()
    }
}
