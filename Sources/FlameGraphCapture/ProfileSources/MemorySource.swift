import FlameGraphCore
import Foundation
import Synchronization

/// Memory profiles of a local program (`memory --cmd/--pid/--input`): one capture, drawn in bytes
/// (heaptrack's allocation and temporary counts in calls). See `MemoryProducer` for who does what.
///
/// A memory profile is one picture of one run, not a rate: `--rounds` does not split it (one round).
/// `--pid` works for Python (memray's Tracker, or tracemalloc when the target cannot import memray,
/// started through gdb and stopped after `--duration`) and Node (its inspector); `heaptrack -p`
/// records until the target exits and cannot be stopped early without harming it, so native refuses.
public struct MemorySource: ProfileSource {
    /// Which producer a Python `--pid` capture used, known only once it ran (memray or tracemalloc).
    public final class Used: Sendable {
        private let value = Mutex<String?>(nil)
        public init() {}
        func set(_ producer: String) { value.withLock { $0 = producer } }
        public var producer: String? { value.withLock { $0 } }
    }

    public enum Target: Sendable {
        case command(String)
        case pid(Int32)
        /// A capture file: heaptrack (`.zst`/`.gz`) or memray (`.bin`).
        case file(String, MemoryProducer)
        /// A jemalloc heap dump and the program that wrote it (jeprof needs its symbols).
        case jemallocDump(String, binary: String)
    }

    public let target: Target
    public let producer: MemoryProducer
    public let kind: MemoryProfiles.Kind
    public let used = Used()

    public init(_ target: Target, producer: MemoryProducer, kind: MemoryProfiles.Kind) {
        self.target = target
        self.producer = producer
        self.kind = kind
    }

    public var metadata: CaptureMetadata {
        let subject: String
        switch target {
        case .command(let c): subject = "of `\(c)`"
        case .pid(let p): subject = "of pid \(p)"
        case .file(let f, _), .jemallocDump(let f, _): subject = "in \(f)"
        }
        return CaptureMetadata(
            subject: "(\(kindLabel) memory, \(toolLabel)) \(subject)", captureCommand: toolLabel, defaultPalette: .mem)
    }

    /// The producer, for titles: `memray`, `tracemalloc`, `heaptrack`, … (after the capture for `--pid`).
    public var toolLabel: String {
        if case .jemallocDump = target { return "jemalloc, jeprof" }
        if case .pid = target, producer == .python { return used.producer ?? "memray or tracemalloc" }
        if case .pid = target, producer == .node { return "Node inspector's heap sampling" }
        return producer.toolName
    }

    /// What is drawn: the kind, or tracemalloc's `in-use since attach` whatever was asked.
    public var kindLabel: String { used.producer == "tracemalloc" ? "in-use since attach" : kind.rawValue }

    public var roundStrategy: RoundStrategy { .timeSlices }

    public func prepare(_ session: CaptureSession) throws {
        try producer.check(kind)
        if case .pid(let pid) = target { try CaptureFiles.requireProcess(pid) }
    }

    public func capture(_ round: CaptureRound) throws -> RoundCapture {
        try captureSlices(round, count: 1)[0]
    }

    public func captureSlices(_ recording: CaptureRound, count: Int) throws -> [RoundCapture] {
        let session = recording.session
        let profile: Profile
        switch target {
        case .file(let path, let fileProducer):
            profile =
                fileProducer == .python
                ? try MemoryProducer.readMemray(path, kind: kind, session: session)
                : try MemoryProducer.readHeaptrack(path, kind: kind, session: session)
        case .jemallocDump(let path, let binary):
            profile = try MemoryProducer.readJemalloc(path, binary: binary, session: session)
        case .command(let command):
            profile = try MemoryRecording.command(command, producer: producer, kind: kind, recording: recording)
        case .pid(let pid):
            profile = try MemoryRecording.attach(
                pid, producer: producer, kind: kind, recording: recording, used: used)
        }
        return [RoundCapture(profile: profile, targetEnded: true)]
    }

    public func nothingCaptured(_ session: CaptureSession) -> FlameGraphError {
        FlameGraphError(
            .badInput,
            "no \(kindLabel) memory found \(metadata.subject): nothing was allocated that way\(session.stoppedEarly ? " before Ctrl-C" : "")"
        )
    }
}

extension MemoryProducer {
    public var toolName: String {
        switch self {
        case .python: return "memray"
        case .native: return "heaptrack"
        case .node: return "node --heap-prof"
        }
    }
}
