/// Code addresses → managed method names, from the runtime's method events (ClrEtwAll manifest):
/// `MethodLoadVerbose` (143, JIT/R2R load), `MethodUnloadVerbose` (144), and the rundown provider's
/// `MethodDCStartVerbose`/`MethodDCEndVerbose` (143/144), which list every method still loaded when the
/// session ends. All share one payload layout: MethodID, ModuleID, MethodStartAddress (UInt64),
/// MethodSize, MethodToken, MethodFlags (UInt32), MethodNamespace, MethodName, MethodSignature (UTF-16).
struct ClrMethodMap {
    static let runtimeProvider = "Microsoft-Windows-DotNETRuntime"
    static let rundownProvider = "Microsoft-Windows-DotNETRuntimeRundown"

    private struct Range {
        var start: UInt64
        var end: UInt64
        var name: String
    }

    private var ranges: [Range] = []
    private var sorted = true

    /// Whether the event is one that names a method.
    static func isMethodEvent(_ kind: NetTraceEventKind) -> Bool {
        (kind.provider == runtimeProvider || kind.provider == rundownProvider)
            && (kind.eventID == 143 || kind.eventID == 144)
    }

    mutating func add(payload: NetTraceBytes) throws {
        var p = payload
        _ = try p.u64()  // method id
        _ = try p.u64()  // module id
        let start = try p.u64()
        let size = try p.u32()
        _ = try p.u32()  // token
        _ = try p.u32()  // flags
        let namespace = try p.utf16z()
        let name = try p.utf16z()
        guard size > 0, start > 0 else { return }
        let full = namespace.isEmpty ? name : "\(namespace).\(name)"
        if let last = ranges.last, last.start > start { sorted = false }
        ranges.append(Range(start: start, end: start &+ UInt64(size), name: full))
    }

    var isEmpty: Bool { ranges.isEmpty }

    /// Sorts once; later `name(at:)` calls binary-search. The same code range may be reported twice
    /// (load, then rundown): either copy names it.
    mutating func seal() {
        if !sorted { ranges.sort { $0.start < $1.start } }
        sorted = true
    }

    /// The method whose code holds `address`, if any (call `seal()` first).
    func name(at address: UInt64) -> String? {
        var lo = 0
        var hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].start <= address { lo = mid + 1 } else { hi = mid }
        }
        // Candidates start at or before the address; nested or repeated ranges: look back a little.
        var k = lo - 1
        var steps = 0
        while k >= 0 && steps < 8 {
            if address < ranges[k].end { return ranges[k].name }
            k -= 1
            steps += 1
        }
        return nil
    }
}
