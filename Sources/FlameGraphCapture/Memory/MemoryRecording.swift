import FlameGraphCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the memory producers: a command under memray/heaptrack/Node's heap profiler, or an attach.
enum MemoryRecording {
    static func command(
        _ command: String, producer: MemoryProducer, kind: MemoryProfiles.Kind, recording: CaptureRound
    ) throws -> Profile {
        let session = recording.session
        let directory = recording.temporaryPath("memory")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var environment = session.childEnvironment
        let shell: [String]
        switch producer {
        case .python:
            // The program's own interpreter runs memray, so its packages and version stay the same.
            let trimmed = command.drop(while: { $0 == " " })
            let first = trimmed.prefix(while: { $0 != " " && $0 != "\t" })
            shell = [
                "-c", "\(first) -m memray run -q -f -o '\(directory)/memray.bin' \(trimmed.dropFirst(first.count))",
            ]
        case .native:
            let heaptrack = try MemoryProducer.locate(
                "heaptrack", install: "apt-get install heaptrack", session: session)
            // heaptrack follows the process it starts, not what that one execs: run the program itself
            // when the command is plain words, through a shell otherwise (its children are then missed).
            let words = plainWords(command)
            shell =
                ["-c", #"out="$1"; shift; exec "$0" -o "$out" "$@""#, heaptrack, "\(directory)/heaptrack"]
                + (words ?? ["/bin/sh", "-c", command])
        case .node:
            let existing = session.settings.value("NODE_OPTIONS").map { " " + $0 } ?? ""
            environment = environment.filter { !$0.hasPrefix("NODE_OPTIONS=") }
            environment.append("NODE_OPTIONS=--heap-prof --heap-prof-dir=\(directory)\(existing)")
            shell = ["-c", command]
        }
        let spec = ProcessSpec(
            executable: "/bin/sh", arguments: shell, environment: environment, standardOutput: .discard)
        let outcome = try session.record(
            spec, label: "memory: \(producer.toolName) on `\(command)`", duration: recording.duration)
        if !outcome.termination.succeeded && outcome.stopReason == nil {
            session.warn("`\(command)` under \(producer.toolName) ended with \(outcome.termination)")
        }
        return try read(directory, producer: producer, kind: kind, session: session, what: "`\(command)`")
    }

    /// The words of a command without shell syntax (quotes, variables, redirections, …); nil otherwise.
    static func plainWords(_ command: String) -> [String]? {
        let special = Set("|&;<>()$`\\\"'*?[]#~{}\n")
        guard !command.contains(where: { special.contains($0) }) else { return nil }
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        return words.isEmpty || words[0].contains("=") ? nil : words
    }

    /// Attaches for the round: Python through `PythonMemoryAttach` (memray's Tracker or tracemalloc,
    /// `producer` then says which), Node through its inspector; native refuses (see below).
    static func attach(
        _ pid: Int32, producer: MemoryProducer, kind: MemoryProfiles.Kind, recording: CaptureRound,
        used: MemorySource.Used
    ) throws -> Profile {
        switch producer {
        case .python:
            let result = try PythonMemoryAttach.capture(pid, kind: kind, recording: recording)
            used.set(result.producer)
            return result.profile
        case .native:
            // heaptrack -p delivers its data only when the target exits, and stopping it earlier breaks
            // the pipe its injected library writes to (measured here: nothing is written). So there is
            // no honest --duration for it: say so instead of attaching.
            throw FlameGraphError(
                .unavailable,
                "memory --pid of a native process: heaptrack -p records until pid \(pid) exits and cannot stop after --duration without harming it; run the program under `flame-graph memory --cmd …`, or run `heaptrack -p \(pid)` until it exits and pass the capture to `memory --input`"
            )
        case .node:
            return try nodeHeapSampling(pid, recording: recording)
        }
    }

    /// Node: SIGUSR1 opens the inspector (127.0.0.1:9229, or where the process's --inspect-port says),
    /// then the sampling heap profiler runs for the round: `HeapProfiler.startSampling`, wait,
    /// `stopSampling` — what was allocated meanwhile and is still live, sampled.
    static func nodeHeapSampling(_ pid: Int32, recording: CaptureRound) throws -> Profile {
        let session = recording.session
        let address = NodeInspectorAddress.of(pid: pid)
        guard kill(pid, SIGUSR1) == 0 else {
            throw FlameGraphError(.unavailable, "cannot signal pid \(pid): run as its user or root")
        }
        let client = try DevToolsClient(
            try DevToolsClient.Target(address), waitForIt: 10, shouldStop: { session.aborted })
        defer { client.close() }
        guard try client.call("HeapProfiler.enable") != nil, try client.call("HeapProfiler.startSampling") != nil
        else { throw CaptureInterrupted() }
        try session.waitWhileRecording(recording.duration, label: "memory: sampling the heap of pid \(pid)")
        guard let result = try client.call("HeapProfiler.stopSampling", timeout: 60) else { throw CaptureInterrupted() }
        guard let profile = result["profile"], let bytes = try? JSONSerialization.data(withJSONObject: profile) else {
            throw FlameGraphError(.badInput, "Node's inspector answered HeapProfiler.stopSampling without a profile")
        }
        return try NodeHeapProfile.decode([UInt8](bytes), sourceName: "the heap profile of pid \(pid)")
    }

    static func read(
        _ directory: String, producer: MemoryProducer, kind: MemoryProfiles.Kind, session: CaptureSession,
        what: String
    ) throws -> Profile {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        switch producer {
        case .python:
            guard names.contains("memray.bin") else {
                throw FlameGraphError(.unavailable, "memray wrote no capture of \(what): is memray importable there?")
            }
            return try MemoryProducer.readMemray("\(directory)/memray.bin", kind: kind, session: session)
        case .native:
            let files = names.filter { $0.hasPrefix("heaptrack") }
            guard !files.isEmpty else { throw FlameGraphError(.unavailable, "heaptrack wrote no capture of \(what)") }
            var merged = Profile()
            merged.unit = kind.heaptrackUnit
            for file in files {
                merged.merge(try MemoryProducer.readHeaptrack("\(directory)/\(file)", kind: kind, session: session))
            }
            return merged
        case .node:
            var merged = Profile()
            merged.unit = .bytes
            for name in names where name.hasSuffix(".heapprofile") {
                let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
                merged.merge(try NodeHeapProfile.decode(bytes, sourceName: name))
            }
            guard merged.totalWeight > 0 else {
                throw FlameGraphError(
                    .unavailable,
                    "\(what) wrote no .heapprofile: Node writes it when it exits by itself (raise --duration)")
            }
            return merged
        }
    }
}
