/// Reads a .NET EventPipe trace (`.nettrace`, as `dotnet-trace collect` and `flame-graph dotnet` write)
/// into a CPU profile of managed stacks, weighted in microseconds.
///
/// - Samples are the `Microsoft-DotNETCore-SampleProfiler` ThreadSample events. Only samples taken
///   while the thread ran managed code count; threads waiting or in native code ("external") are left
///   out, so idle runtime threads do not dilute the profile.
/// - Stack ids are reused within one file (each StackBlock redefines its range), so an event's stack is
///   resolved when the event is read, in stream order.
/// - The sample profiler takes no samples while the runtime is suspended (a GC), so counting samples
///   over-weights code that does not allocate. Each sample is weighted by the time until the same
///   thread's next sample instead (the last one by the sampling interval): time, not sample counts.
///   "Next sample" means any of that thread's samples, external ones included: a thread that computes
///   and then blocks must not have its waiting charged to the last managed stack it ran.
/// - Method names come from the runtime's method-load and rundown events; addresses no event names
///   (the runtime's own native code) collapse into one `[native]` frame per run.
public enum NetTraceDecoder {
    public static func decode(_ bytes: [UInt8], sourceName: String, allowTruncated: Bool = false) throws -> (
        Profile, Diagnostics
    ) {
        let (slices, diagnostics) = try decodeSlices(
            bytes, sourceName: sourceName, count: 1, allowTruncated: allowTruncated)
        return (slices[0], diagnostics)
    }

    /// The trace cut into `count` equal windows of time (first to last sample): `--rounds` of one
    /// recording. Each window is a profile of its own (some may be empty).
    public static func decodeSlices(_ bytes: [UInt8], sourceName: String, count: Int, allowTruncated: Bool = false)
        throws -> ([Profile], Diagnostics)
    {
        var stream = NetTraceStream(bytes, sourceName: sourceName)
        var collector = NetTraceSampleCollector()
        try stream.run(&collector, allowTruncated: allowTruncated)
        var diagnostics = Diagnostics()
        for w in stream.warnings { diagnostics.warn(w) }
        // The runtime marks no sample as running managed code: the process was idle all along, or the
        // runtime marks every sample external (Windows; .NET 9–10 before their fix). Either way running
        // cannot be told from waiting, so every sample with a stack counts, and the reader is told.
        let threadTime = !collector.samples.contains { $0.running && $0.stack >= 0 }
        guard collector.samples.contains(where: { $0.stack >= 0 && !collector.isEmpty(stack: $0.stack) }) else {
            throw FlameGraphError(
                .badInput,
                "\(sourceName): no managed-code CPU samples in this nettrace (was the Microsoft-DotNETCore-SampleProfiler provider enabled?)"
            )
        }
        if threadTime {
            diagnostics.warn(
                "\(sourceName): the runtime marked no sample as running managed code (an idle process, or a runtime that marks every sample external: Windows, .NET 9–10), so weights are thread time with waiting included"
            )
        }
        if collector.methods.isEmpty {
            diagnostics.warn(
                "\(sourceName): no method-load or rundown events: frames show as [native] (enable the Microsoft-Windows-DotNETRuntime provider with the JIT keyword 0x10, and rundown)"
            )
        }
        collector.methods.seal()
        return (collector.profiles(count: max(1, count), threadTime: threadTime), diagnostics)
    }
}

/// Gathers samples and method ranges while the stream is read; builds the profile at the end.
struct NetTraceSampleCollector: NetTraceVisitor {
    struct Sample {
        var thread: UInt64
        var timestamp: Int64
        /// The interned stack, or `Sample.unknown` when the event's stack id names none.
        var stack: Int32
        /// Marked as running managed code; external samples (waiting, or in native code) are kept to end
        /// the gap of the thread's previous sample and carry no weight of their own.
        var running: Bool
        static let unknown: Int32 = -1
    }

    static let sampleProvider = "Microsoft-DotNETCore-SampleProfiler"
    /// ThreadSample's payload: 0 = error, 1 = external (waiting, or running native code: EventPipe
    /// cannot tell which), 2 = the thread was running managed code.
    static let managedSample: UInt32 = 2

    var samples: [Sample] = []
    var methods = ClrMethodMap()
    /// Interned stacks (instruction pointers, leaf first) and the current id → interned stack table.
    private var stackList: [[UInt64]] = []
    private var stackIndex: [[UInt64]: Int32] = [:]
    private var currentStacks: [UInt32: Int32] = [:]
    private var ticksPerMicrosecond = 1.0
    private var intervalMicroseconds = 1000.0

    mutating func trace(pointerSize: Int, qpcFrequency: Int64, samplingIntervalNs: Int) {
        ticksPerMicrosecond = Double(qpcFrequency) / 1_000_000
        if samplingIntervalNs > 0 { intervalMicroseconds = Double(samplingIntervalNs) / 1000 }
    }

    mutating func stacks(firstID: UInt32, _ stacks: [[UInt64]]) {
        for (k, ips) in stacks.enumerated() {
            let id: Int32
            if let known = stackIndex[ips] {
                id = known
            } else {
                id = Int32(stackList.count)
                stackList.append(ips)
                stackIndex[ips] = id
            }
            currentStacks[firstID &+ UInt32(k)] = id
        }
    }

    mutating func event(_ header: NetTraceEventHeader, kind: NetTraceEventKind?, payload: NetTraceBytes) throws {
        guard let kind else { return }
        if kind.provider == Self.sampleProvider {
            guard kind.eventID == 0 || kind.name == "ThreadSample" else { return }
            var p = payload
            let type = p.remaining >= 4 ? try p.u32() : Self.managedSample
            samples.append(
                Sample(
                    thread: header.threadID, timestamp: header.timestamp,
                    stack: currentStacks[header.stackID] ?? Sample.unknown, running: type == Self.managedSample))
        } else if ClrMethodMap.isMethodEvent(kind) {
            try methods.add(payload: payload)
        }
    }

    func isEmpty(stack: Int32) -> Bool { stackList[Int(stack)].isEmpty }

    /// Weights each running sample (every sample with a stack under `threadTime`) by the gap to its
    /// thread's next sample, names frames, and adds the stacks to the profile of its time window.
    func profiles(count: Int, threadTime: Bool = false) -> [Profile] {
        var template = Profile()
        template.unit = .microseconds
        var profiles = [Profile](repeating: template, count: count)
        let first = samples.map(\.timestamp).min() ?? 0
        let span = Double((samples.map(\.timestamp).max() ?? 0) - first) + 1
        let order = samples.indices.sorted {
            let a = samples[$0]
            let b = samples[$1]
            return a.thread != b.thread ? a.thread < b.thread : a.timestamp < b.timestamp
        }
        var framesOf: [Int32: [String]] = [:]
        for (k, index) in order.enumerated() {
            let s = samples[index]
            guard s.stack != Sample.unknown, s.running || threadTime, !isEmpty(stack: s.stack) else { continue }
            var weight = intervalMicroseconds
            if k + 1 < order.count, samples[order[k + 1]].thread == s.thread {
                weight = Double(samples[order[k + 1]].timestamp - s.timestamp) / ticksPerMicrosecond
            }
            guard weight > 0 else { continue }
            let frames: [String]
            if let known = framesOf[s.stack] {
                frames = known
            } else {
                var out: [String] = []
                for ip in stackList[Int(s.stack)].reversed() {  // leaf first in the file
                    let name = methods.name(at: ip) ?? "[native]"
                    if name == "[native]" && out.last == "[native]" { continue }
                    out.append(name)
                }
                framesOf[s.stack] = out
                frames = out
            }
            let window = min(count - 1, Int(Double(s.timestamp - first) / span * Double(count)))
            profiles[window].add(frames: frames, weight: weight.rounded())
        }
        return profiles
    }
}
