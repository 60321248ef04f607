import FlameGraphCore
import Foundation

/// Which memory profiler fits a process, and the command lines each one needs (`memory`).
///
/// - Python → memray (`python -m memray run`; `--pid`: `PythonMemoryAttach` starts memray's Tracker in
///   the process, or tracemalloc when it cannot import memray), read through `memray transform csv`
///   (peak by default, `--leaks`, `--temporary-allocations`).
/// - native → heaptrack (`heaptrack -o F cmd`, `heaptrack -p PID`), read through `heaptrack_print
///   --flamegraph-cost-type allocations|temporary|leaked|peak`.
/// - Node → its sampling heap profiler: `NODE_OPTIONS=--heap-prof` (what is live at exit), or through
///   the inspector (`HeapProfiler.startSampling`/`stopSampling`) for `--pid`.
public enum MemoryProducer: String, Sendable, CaseIterable {
    case python
    case native
    case node

    /// The producer for a command line, by its first word (`python3 app.py` → python).
    public static func of(command: String) -> MemoryProducer {
        let first = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
        let base = first.split(separator: "/").last.map(String.init) ?? first
        if ProcFS.isPythonName(base) || base.hasPrefix("python") { return .python }
        if base == "node" || base.hasPrefix("node") && base.dropFirst(4).allSatisfy(\.isNumber) { return .node }
        return .native
    }

    /// The producer for a running process, from /proc.
    public static func of(pid: Int32) -> MemoryProducer {
        if ProcFS.isPython(pid) { return .python }
        let exe = ProcFS.executable(of: pid).map { ($0 as NSString).lastPathComponent } ?? ""
        return exe.hasPrefix("node") ? .node : .native
    }

    /// The kind drawn when `--kind` is not given.
    public var defaultKind: MemoryProfiles.Kind { self == .node ? .inUse : .peak }

    /// Fails with a usage error when this producer cannot tell `kind` apart.
    public func check(_ kind: MemoryProfiles.Kind) throws {
        let supported: [MemoryProfiles.Kind]
        switch self {
        case .python: supported = [.peak, .leaked, .inUse, .temporary]
        case .native: supported = [.allocated, .peak, .leaked, .inUse, .temporary]
        case .node: supported = [.inUse]
        }
        guard supported.contains(kind) else {
            let tool = self == .python ? "memray" : self == .native ? "heaptrack" : "Node's heap profiler"
            throw FlameGraphError(
                .usage,
                "--kind \(kind.rawValue): \(tool) cannot tell that apart; it gives \(supported.map(\.rawValue).joined(separator: ", "))"
            )
        }
    }

    /// memray's `transform csv` flags for `kind`.
    static func memrayFlags(_ kind: MemoryProfiles.Kind) -> [String] {
        switch kind {
        case .leaked, .inUse: return ["--leaks"]
        case .temporary: return ["--temporary-allocations"]
        default: return []
        }
    }

    /// Converts a heaptrack capture to a profile of `kind` with heaptrack_print.
    static func readHeaptrack(_ file: String, kind: MemoryProfiles.Kind, session: CaptureSession) throws -> Profile {
        let tool = try locate("heaptrack_print", install: "apt-get install heaptrack", session: session)
        let folded = session.temporaryPath("heaptrack.folded")
        let spec = ProcessSpec(
            executable: tool,
            arguments: [file, "--flamegraph-cost-type", kind.heaptrackCostType, "-F", folded],
            environment: session.childEnvironment, standardOutput: .discard)
        let outcome = try session.process(spec, label: "heaptrack_print: reading the capture", onStdout: { _ in })
        guard outcome.termination.succeeded, let bytes = FileManager.default.contents(atPath: folded) else {
            throw FlameGraphError(
                .badInput,
                "heaptrack_print could not read \(file) (\(outcome.termination)): \(outcome.stderr.suffix(300))")
        }
        return MemoryProfiles.heaptrackFolded(Array(bytes), unit: kind.heaptrackUnit)
    }

    /// Converts a memray capture to a profile of `kind` with `memray transform csv`.
    static func readMemray(_ file: String, kind: MemoryProfiles.Kind, session: CaptureSession) throws -> Profile {
        let tool = try locate("memray", install: "pip install memray", session: session)
        let csv = session.temporaryPath("memray.csv")
        let spec = ProcessSpec(
            executable: tool, arguments: ["transform", "csv", "-f", "-o", csv] + memrayFlags(kind) + [file],
            environment: session.childEnvironment, standardOutput: .discard)
        let outcome = try session.process(spec, label: "memray: reading the capture", onStdout: { _ in })
        guard outcome.termination.succeeded, let bytes = FileManager.default.contents(atPath: csv) else {
            throw FlameGraphError(
                .badInput, "memray could not read \(file) (\(outcome.termination)): \(outcome.stderr.suffix(300))")
        }
        return try MemoryProfiles.memrayCSV(Array(bytes), sourceName: "memray's CSV of \(file)")
    }

    /// Symbolizes a jemalloc heap dump (`jeprof.<pid>.*.heap`: what was live when it was written) with
    /// `jeprof --collapsed PROGRAM DUMP`; frame names lose jeprof's `<address>` suffixes.
    static func readJemalloc(_ file: String, binary: String, session: CaptureSession) throws -> Profile {
        let tool = try locate("jeprof", install: "apt-get install libjemalloc-dev", session: session)
        var out = BoundedBuffer(limit: 256 << 20)
        let spec = ProcessSpec(
            executable: tool, arguments: ["--collapsed", binary, file], environment: session.childEnvironment,
            standardOutput: .stream)
        let outcome = try session.process(
            spec, label: "jeprof: symbolizing the heap dump", onStdout: { out.append($0) })
        let profile = MemoryProfiles.heaptrackFolded(Array(out.text.utf8), unit: .bytes)
        guard outcome.termination.succeeded, profile.totalWeight > 0 else {
            throw FlameGraphError(
                .badInput,
                "jeprof could not read \(file) with \(binary) (\(outcome.termination)): \(outcome.stderr.suffix(300))")
        }
        return profile
    }

    static func locate(_ name: String, install: String, session: CaptureSession) throws -> String {
        guard let path = ExecutableLookup.find(name, searchPath: session.settings.value("PATH")) else {
            throw FlameGraphError(.unavailable, "\(name) is not installed (\(install))")
        }
        return path
    }
}
