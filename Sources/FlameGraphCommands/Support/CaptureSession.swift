import FlameGraphCapture
import FlameGraphCore
import FlameGraphStore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What a capture subcommand hands back: the profile and how to present it.
struct CapturedProfile {
    var profile: Profile
    /// `2,954 samples`, `1,234 off-CPU intervals`…: for the summary line.
    var summary: String
    /// Samples per second, for the baseline's metadata.
    var rate: Double?
    var defaultPalette: Palette = .hot
}

/// One capture run: a private temporary directory, the Ctrl-C policy, the profiler processes, the
/// progress line, and the shared ending — draw, gate against a baseline, store a baseline.
///
/// Ctrl-C once stops the recording early and the run goes on with what was captured; Ctrl-C again (or
/// SIGTERM) aborts: the profiler's process group is terminated, temporary files are removed, and the
/// command ends with status 130. Nothing is left behind either way: children are always reaped and
/// the temporary directory is removed on every path.
final class CaptureSession: Sendable {
    enum Phase: Sendable { case preparing, recording, processing, finishing }

    private struct State {
        var phase = Phase.preparing
        var current: ChildProcess? = nil
        var stopRequested = false
        var aborted = false
        var targetExited = false
        /// Cancels the HTTP request in flight (`fetch`): Ctrl-C then ends the command.
        var cancelRequest: (@Sendable () -> Void)? = nil
    }

    let options: CaptureOptionGroup
    let progress: ProgressLine
    let directory: String
    private let state = Mutex(State())
    private let signals = Mutex<InterruptSignals?>(nil)

    private init(options: CaptureOptionGroup) throws {
        self.options = options
        progress = ProgressLine(quiet: options.output.quiet)
        directory = try TemporaryFiles.makeDirectory(prefix: "flame-graph")
    }

    /// Runs a capture subcommand: `body` records and converts (through `record` and `process`), then the
    /// profile is drawn and, as asked, gated against a baseline and stored as one.
    static func run(
        _ options: CaptureOptionGroup, render: RenderOptionGroup,
        _ body: (CaptureSession) throws -> CapturedProfile
    ) throws {
        // Fail before a long capture, not after it: the baseline to compare with, and where to save.
        let baseline = try options.baseline.map { revision in
            try options.store.loadBaseline(
                service: options.service!, revision: revision, maxDepth: options.maxDepth, quiet: options.output.quiet)
        }
        let saveTarget = try options.saveBaseline ? saveTarget(options) : nil

        let session = try CaptureSession(options: options)
        defer { session.close() }
        do {
            try session.installSignals()
            let captured = try body(session)
            try session.finish(captured, render: render, baseline: baseline, saveTarget: saveTarget)
        } catch {
            session.progress.clear()
            if session.aborted { throw CommandExit(status: ExitStatus.interrupted) }
            throw error
        }
    }

    // MARK: - Children

    /// Runs a profiler's recording: SIGINT at `deadline` seconds (or on a first Ctrl-C), the progress line
    /// while it runs, and — when `watch` is given — an early stop when that pid exits.
    func record(
        _ spec: ProcessSpec, label: String, deadline: Double, watch: Int32? = nil,
        onStdout: (UnsafeRawBufferPointer) throws -> Void = { _ in }, detail: () -> String? = { nil }
    ) throws -> ChildOutcome {
        try runChild(spec, phase: .recording, deadline: deadline, onStdout: onStdout) { child, elapsed in
            if let watch, ProcFS.presence(of: watch) != .alive {
                let first = self.state.withLock { s in
                    defer { s.targetExited = true }
                    return !s.targetExited
                }
                if first { child.interrupt() }
            }
            let extra = detail().map { ", \($0)" } ?? ""
            self.progress.update(
                "\(label): \(ProgressLine.seconds(elapsed, of: self.options.duration))\(extra) — Ctrl-C stops early")
        }
    }

    /// Runs a step that reads what was recorded (`perf script`), streaming its output to `onStdout`.
    func process(
        _ spec: ProcessSpec, label: String, onStdout: (UnsafeRawBufferPointer) throws -> Void,
        detail: () -> String? = { nil }
    ) throws -> ChildOutcome {
        try runChild(spec, phase: .processing, deadline: nil, onStdout: onStdout) { _, elapsed in
            let extra = detail().map { ": \($0)" } ?? ""
            self.progress.update("\(label)\(extra) (\(ProgressLine.seconds(elapsed, of: nil)))")
        }
    }

    private func runChild(
        _ spec: ProcessSpec, phase: Phase, deadline: Double?, onStdout: (UnsafeRawBufferPointer) throws -> Void,
        onTick: (ChildProcess, Double) -> Void
    ) throws -> ChildOutcome {
        try checkAborted()
        let child = try ChildProcess(spec)
        let stopNow = state.withLock { s in
            s.phase = phase
            s.current = child
            return s.stopRequested && phase == .recording
        }
        if stopNow { child.interrupt() }
        defer {
            state.withLock { s in
                s.current = nil
                s.phase = .processing
            }
            progress.clear()
        }
        let outcome = try child.wait(
            deadline: deadline, onTick: { onTick(child, $0) },
            onStdout: { bytes in
                try onStdout(bytes)
            })
        try checkAborted()
        return outcome
    }

    // MARK: - HTTP

    /// Runs a profile endpoint's request for up to its timeout, with the progress line; a Ctrl-C
    /// cancels it and the command ends with status 130 (an endpoint's profile is all or nothing).
    func fetch(_ request: ProfileFetch, label: String) throws -> ProfileFetch.Outcome {
        try checkAborted()
        state.withLock { s in
            s.phase = .recording
            s.cancelRequest = { request.cancel() }
        }
        defer {
            state.withLock { s in
                s.cancelRequest = nil
                s.phase = .processing
            }
            progress.clear()
        }
        let started = Date()
        request.start()
        while true {
            if let outcome = request.wait(0.25) {
                try checkAborted()
                return outcome
            }
            try checkAborted()
            let elapsed = Date().timeIntervalSince(started)
            progress.update(
                "\(label): \(ProgressLine.seconds(elapsed, of: options.duration)) — Ctrl-C cancels")
        }
    }

    /// Runs `body` as the recording phase: a first Ctrl-C then sets `stoppedEarly`, a second aborts.
    func recording<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { $0.phase = .recording }
        defer { state.withLock { $0.phase = .processing } }
        return try body()
    }

    // MARK: - Signals

    private func installSignals() throws {
        let handler = try InterruptSignals { [weak self] event in self?.handle(event) }
        signals.withLock { $0 = handler }
    }

    private func handle(_ event: InterruptSignals.Event) {
        switch event {
        case .stop where cancelRequest():
            progress.message("interrupted: cancelling the request (nothing to draw)")
        case .stop:
            let (phase, child) = state.withLock { s -> (Phase, ChildProcess?) in
                if s.phase == .preparing || s.phase == .recording { s.stopRequested = true }
                return (s.phase, s.current)
            }
            if phase == .preparing || phase == .recording {
                child?.interrupt()
                progress.message("stopping early: drawing what was captured (Ctrl-C again to abort)")
            } else {
                progress.message("finishing what was captured (Ctrl-C again to abort)")
            }
        case .abort:
            let child = state.withLock { s -> ChildProcess? in
                s.aborted = true
                return s.current
            }
            child?.abort()
            _ = cancelRequest()
            TemporaryFiles.removeAll()
            progress.message("interrupted: stopping the profiler and removing temporary files")
            // The command unwinds on its own once the child is gone; if it cannot (stuck in a long
            // computation), clean up again and leave with the status an interrupt owes.
            Thread.detachNewThread {
                sleep(10)
                TemporaryFiles.removeAll()
                _exit(ExitStatus.interrupted)
            }
        }
    }

    /// Cancels the HTTP request in flight, if any, marking the run aborted; whether there was one.
    private func cancelRequest() -> Bool {
        let cancel = state.withLock { s -> (@Sendable () -> Void)? in
            guard let cancel = s.cancelRequest else { return nil }
            s.aborted = true
            s.cancelRequest = nil
            return cancel
        }
        cancel?()
        return cancel != nil
    }

    var aborted: Bool { state.withLock { $0.aborted } }
    /// A first Ctrl-C asked to stop the recording early.
    var stoppedEarly: Bool { state.withLock { $0.stopRequested } }
    /// The watched pid exited during the recording.
    var targetExited: Bool { state.withLock { $0.targetExited } }

    func checkAborted() throws {
        if aborted { throw CommandExit(status: ExitStatus.interrupted) }
    }

    /// A path inside the session's private temporary directory.
    func temporaryPath(_ name: String) -> String { directory + "/" + name }

    private func close() {
        signals.withLock { s in
            s?.uninstall()
            s = nil
        }
        progress.clear()
        TemporaryFiles.removeNow(directory)
    }

    // MARK: - The ending

    private static func saveTarget(_ options: CaptureOptionGroup) throws -> String {
        let (_, repository) = try options.store.open()
        return try options.store.resolve(nil, in: repository)
    }

    private func finish(
        _ captured: CapturedProfile, render: RenderOptionGroup, baseline: (Profile, String)?, saveTarget: String?
    ) throws {
        try checkAborted()
        state.withLock { $0.phase = .finishing }
        progress.clear()
        let quiet = options.output.quiet
        if !quiet {
            var note = ""
            if stoppedEarly { note = " (stopped early by Ctrl-C)" }
            Console.writeErr("flame-graph: captured \(captured.summary)\(note)\n")
        }
        try Rendering.draw(
            captured.profile, output: options.output.output, foldedOutput: options.output.foldedOutput, render: render,
            coloring: nil, defaultPalette: captured.defaultPalette)
        try checkAborted()

        var result: DiffResult? = nil
        if let (before, beforeLabel) = baseline {
            result = try DiffReporting.compareAndWrite(
                .init(
                    before: [before], after: [captured.profile], beforeLabel: beforeLabel, afterLabel: "this capture"),
                name: options.service ?? "profile", gate: options.gate, drawing: .init(render: render),
                svgOutput: options.diffOutput, quiet: quiet)
        }
        if let commit = saveTarget, let service = options.service {
            let (store, _) = try options.store.open()
            let metadata = BaselineMetadataFactory.make(
                for: captured.profile,
                captureCommand: BaselineMetadataFactory.redactedCommandLine(Array(CommandLine.arguments.dropFirst())),
                duration: Double(options.duration), rate: captured.rate)
            let record = try store.save(
                service: service, commit: commit, profile: captured.profile, metadata: metadata,
                force: options.replaceBaseline)
            if !quiet {
                Console.writeErr(
                    "flame-graph: saved baseline \(record.service) @ \(record.commit.prefix(12)) (\(ProgressLine.count(Double(record.samples), "sample")))\n"
                )
            }
        }
        if let result { try DiffReporting.conclude(result, quiet: quiet) }
    }
}

extension CaptureSession {
    /// Fails with 69 unless `pid` is a live process.
    static func requireProcess(_ pid: Int32) throws {
        switch ProcFS.presence(of: pid) {
        case .alive: return
        case .zombie: throw FlameGraphError(.unavailable, "pid \(pid) has exited (it is a zombie): nothing to profile")
        case .absent: throw FlameGraphError(.unavailable, "no process with pid \(pid)")
        }
    }

    /// The size of a file, for progress (`nil` when it is not there yet).
    static func fileSize(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }
}
