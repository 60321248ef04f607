import FlameGraphCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `memory --pid` of a Python process: gdb queues `PythonMemoryPayload` in it (`PythonInjection`),
/// which records with memray's Tracker when the target can import memray, else with tracemalloc.
///
/// tracemalloc only sees what is allocated after it starts, and tells no peak or temporary
/// allocations apart: its picture is what was allocated since the attach and is still in use at the
/// end (the title and a notice say so). Nothing of ours stays in the target: the payload stops
/// tracking after the duration, on a first Ctrl-C (`stop`), or as soon as its directory is gone.
enum PythonMemoryAttach {
    struct Result {
        var profile: Profile
        /// "memray" or "tracemalloc".
        var producer: String
    }

    /// Seconds gdb waits for a thread of the target to enter malloc/free.
    static let safeStopWait = 10.0
    /// Seconds the main thread has to run the queued code once gdb has left.
    static let startWait = 10.0
    /// Seconds the payload has after the duration to write what it saw.
    static let finishWait = 60.0
    /// The folded stacks the payload may write (it stops adding stacks at half of this).
    static let foldedLimit = 32 << 20

    static func capture(_ pid: Int32, kind: MemoryProfiles.Kind, recording: CaptureRound) throws -> Result {
        let session = recording.session
        let gdb = try MemoryProducer.locate("gdb", install: "apt-get install gdb", session: session)
        let memray = ExecutableLookup.find("memray", searchPath: session.settings.value("PATH"))
        let directory = try payloadDirectory(for: pid, session: session)
        let settings: [String: Any] = [
            "memray": memray != nil, "kind": kind.rawValue, "frames": 128, "duration": recording.duration,
            "max_lines": 200_000, "max_bytes": foldedLimit / 2,
        ]
        try write(try JSONSerialization.data(withJSONObject: settings), to: directory + "/settings.json", pid: pid)
        try write(Data(PythonMemoryPayload.source.utf8), to: "\(directory)/\(PythonMemoryPayload.fileName)", pid: pid)

        let outcome = try PythonInjection.queue(
            runLine("\(directory)/\(PythonMemoryPayload.fileName)"), pid: pid, gdb: gdb,
            scriptPath: session.temporaryPath("python-memory.gdb"), wait: safeStopWait, session: session)
        switch outcome {
        case .queued: break
        case .noSafeStop:
            if session.stoppedEarly { throw CaptureInterrupted() }
            throw FlameGraphError(
                .unavailable,
                "pid \(pid) allocated nothing for \(Int(safeStopWait)) s, so gdb found no safe moment to start tracing; nothing was changed in it"
            )
        case .queueFull:
            throw FlameGraphError(.unavailable, "pid \(pid)'s pending-call queue is full: try again")
        case .failed(let why):
            throw FlameGraphError(.unavailable, why)
        }

        // The main thread runs the code at its next bytecode boundary.
        let started = try waitFor(
            ["started", "done"], in: directory, seconds: startWait, pid: pid, session: session,
            label: "memory: waiting for pid \(pid) to run Python code")
        guard let started else {
            throw FlameGraphError(
                .unavailable,
                "pid \(pid) ran no Python code in its main thread within \(Int(startWait)) s (blocked in C?): nothing was recorded"
            )
        }
        if started == "done" { try check(readJSON(directory + "/done"), pid: pid) }
        let start = readJSON(directory + "/started")
        let producer = start["producer"] as? String ?? "tracemalloc"
        if producer == "tracemalloc" {
            let since = start["already"] as? Bool == true ? "since it started tracemalloc itself" : "from now on"
            let peak = kind == .peak ? " (it knows no peak)" : ""
            let why =
                memray == nil
                ? "memray is not installed here"
                : (start["memray_error"] as? String).map { "memray would not start in pid \(pid) (\($0.prefix(200)))" }
                    ?? "pid \(pid) cannot import memray"
            session.reporter.notice(
                "\(why): tracemalloc sees what is allocated \(since), and draws what of it is still in use at the end\(peak)"
            )
        }
        try session.waitWhileRecording(recording.duration, label: "memory: \(producer) in pid \(pid)")
        _ = FileManager.default.createFile(atPath: directory + "/stop", contents: nil)
        guard
            try waitFor(
                ["done"], in: directory, seconds: finishWait, pid: pid, session: session,
                label: "memory: pid \(pid) writes what \(producer) saw") != nil
        else {
            throw FlameGraphError(.unavailable, "pid \(pid) wrote no \(producer) result within \(Int(finishWait)) s")
        }
        let done = readJSON(directory + "/done")
        try check(done, pid: pid)
        if producer == "memray" {
            guard readOwnFile(directory + "/memray.bin", limit: 1) != nil else {
                throw FlameGraphError(.badInput, "pid \(pid)'s memray capture is missing or not a plain file")
            }
            let profile = try MemoryProducer.readMemray(directory + "/memray.bin", kind: kind, session: session)
            return Result(profile: withoutPayload(profile), producer: producer)
        }
        guard let bytes = readOwnFile(directory + "/tracemalloc.folded", limit: foldedLimit + 1),
            bytes.count <= foldedLimit
        else {
            throw FlameGraphError(
                .badInput, "pid \(pid)'s tracemalloc stacks are missing or larger than \(foldedLimit >> 20) MiB")
        }
        if let truncated = done["truncated"] as? Int, truncated > 0 {
            session.warn("\(truncated) tracemalloc stacks were deeper than 128 frames: their roots are cut")
        }
        return Result(profile: withoutPayload(MemoryProfiles.heaptrackFolded(bytes, unit: .bytes)), producer: producer)
    }

    /// The one statement the pending call runs in `__main__`: it binds no name there and raises
    /// nothing (an exception from a pending call would surface in the target's own code).
    static func runLine(_ path: String) -> String {
        let hex = Array(path.utf8).map { String(format: "%02x", $0) }.joined()
        return """
            try:
             (lambda p: exec(compile(open(p, 'rb').read(), p, 'exec'), {'__name__': '__flame_graph__', '__file__': p}))(bytes.fromhex('\(hex)').decode())
            except Exception:
             pass

            """
    }

    /// A directory the target can write: inside our private one, owned by the target's user when it
    /// is not ours (the private directory then lets others pass through, not list).
    static func payloadDirectory(for pid: Int32, session: CaptureSession) throws -> String {
        let directory = session.temporaryPath("python-memory")
        guard mkdir(directory, 0o700) == 0 else {
            throw FlameGraphError(.cannotCreate, "cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if stat("/proc/\(pid)", &info) == 0 && info.st_uid != geteuid() {
            guard chown(directory, info.st_uid, info.st_gid) == 0 else {
                throw FlameGraphError(
                    .unavailable, "cannot hand \(directory) to pid \(pid)'s user: run as root or as that user")
            }
            chmod(session.directory, 0o711)
        }
        return directory
    }

    static func write(_ data: Data, to path: String, pid: Int32) throws {
        try data.write(to: URL(fileURLWithPath: path))
        var info = stat()
        if stat("/proc/\(pid)", &info) == 0 && info.st_uid != geteuid() { chown(path, info.st_uid, info.st_gid) }
    }

    /// Waits until one of `names` exists in `directory`; nil after `seconds` or when pid is gone.
    static func waitFor(
        _ names: [String], in directory: String, seconds: Double, pid: Int32, session: CaptureSession, label: String
    ) throws -> String? {
        defer { session.reporter.clearProgress() }
        let until = Monotonic.now() + seconds
        while Monotonic.now() < until {
            try session.checkAborted()
            if let found = names.first(where: { FileManager.default.fileExists(atPath: "\(directory)/\($0)") }) {
                return found
            }
            if ProcFS.presence(of: pid) != .alive {
                throw FlameGraphError(.unavailable, "pid \(pid) exited before its memory was recorded")
            }
            session.reporter.progress(label)
            usleep(50_000)
        }
        return nil
    }

    /// At most `limit` bytes of a regular file the target wrote, never through a symbolic link: the
    /// directory may belong to the target's user, who must not make us read (or memray parse) another
    /// file with our rights.
    static func readOwnFile(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while out.count < limit {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, min($0.count, limit - out.count)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    static func readJSON(_ path: String) -> [String: Any] {
        guard let bytes = readOwnFile(path, limit: 64 << 10),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return [:] }
        return object
    }

    static func check(_ done: [String: Any], pid: Int32) throws {
        if let error = done["error"] as? String {
            let producer = done["producer"] as? String ?? "the probe"
            throw FlameGraphError(.unavailable, "\(producer) in pid \(pid) failed: \(error.prefix(300))")
        }
    }

    /// The profile without the stacks of our own payload (its thread, the pending call).
    static func withoutPayload(_ profile: Profile) -> Profile {
        var kept = Profile()
        kept.unit = profile.unit
        for node in 1..<Int32(profile.nodeCount) where profile.selfWeight[Int(node)] > 0 {
            let frames = profile.frames(node)
            if !frames.contains(where: { $0.contains("(\(PythonMemoryPayload.fileName):") }) {
                kept.add(frames: frames, weight: profile.selfWeight[Int(node)])
            }
        }
        return kept
    }
}
