import CFlameGraphCapture
import FlameGraphCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where a child's standard output goes.
public enum ChildOutput: Sendable, Equatable {
    /// A pipe read by `ChildProcess.wait`, handed to its `onStdout` callback chunk by chunk.
    case stream
    /// `/dev/null`.
    case discard
    /// Our own standard error (a profiled command's output must not end up in `--output -`).
    case standardError
}

/// What to run and how.
public struct ProcessSpec: Sendable {
    /// An absolute path (see `ExecutableLookup`); no `PATH` search happens at spawn time.
    public var executable: String
    /// The arguments after `argv[0]`.
    public var arguments: [String]
    /// `KEY=value` entries.
    public var environment: [String]
    public var standardOutput: ChildOutput
    /// At most this many bytes of standard error are kept: the first and the last half.
    public var stderrLimit: Int
    /// Start the child in a process group of its own, so that signals reach everything it starts (a
    /// profiled `sh -c` command and its children) and stragglers can be cleaned up.
    public var ownProcessGroup: Bool
    /// Seconds from SIGINT (`interrupt()` or the deadline) to SIGTERM.
    public var interruptGrace: Double
    /// Seconds from SIGTERM to SIGKILL.
    public var terminateGrace: Double
    /// Seconds from SIGTERM to SIGKILL after `abort()`.
    public var abortGrace: Double

    public init(
        executable: String, arguments: [String], environment: [String]? = nil, standardOutput: ChildOutput = .discard,
        stderrLimit: Int = 64 * 1024, ownProcessGroup: Bool = true, interruptGrace: Double = 10,
        terminateGrace: Double = 3, abortGrace: Double = 0.5
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment ?? ProcessEnvironment.current()
        self.standardOutput = standardOutput
        self.stderrLimit = stderrLimit
        self.ownProcessGroup = ownProcessGroup
        self.interruptGrace = interruptGrace
        self.terminateGrace = terminateGrace
        self.abortGrace = abortGrace
    }

    /// `executable args…`, for messages (never contains secrets: callers keep them out of arguments).
    public var commandLine: String { ([executable] + arguments).joined(separator: " ") }
}

/// How a child ended.
public enum Termination: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var succeeded: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let sig): return "signal \(sig) (\(Self.signalName(sig)))"
        }
    }

    static func signalName(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGKILL: return "SIGKILL"
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGPIPE: return "SIGPIPE"
        case SIGHUP: return "SIGHUP"
        default: return "SIG\(sig)"
        }
    }
}

/// Why the child was asked to stop, if it was.
public enum StopReason: Sendable, Equatable {
    /// The deadline passed: SIGINT, then escalation.
    case deadline
    /// `interrupt()`: SIGINT, then escalation (a first Ctrl-C).
    case interrupted
    /// `abort()`: SIGTERM, then SIGKILL soon after (a second Ctrl-C, SIGTERM, or a failed consumer).
    case aborted
}

/// The end of a child's run.
public struct ChildOutcome: Sendable {
    public var termination: Termination
    public var stopReason: StopReason?
    /// Standard error, bounded by `ProcessSpec.stderrLimit` (a `…` line marks what was left out).
    public var stderr: String
    /// Seconds from spawn to exit.
    public var elapsed: Double
}

/// A child process started by fork/exec (`fg_spawn`): an empty signal mask, every signal at its default
/// action, its own process group, standard input from `/dev/null`, standard output streamed or
/// redirected, standard error captured, no other descriptor of ours.
///
/// A watchdog process watches us: should we die without reaping the child (SIGKILL from a CI timeout
/// or the OOM killer), it kills the child's whole group — the profiler and what the profiler started.
/// It works whatever thread spawned the child, unlike `PR_SET_PDEATHSIG`, which fires when the
/// spawning *thread* ends.
///
/// `wait` runs the child to its end on the calling thread, with `poll`, and always reaps it.
/// `interrupt()` and `abort()` may be called from any thread (a signal monitor) while `wait` runs.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let spec: ProcessSpec
    private let stdoutFD: Int32
    private let stderrFD: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// A process that SIGKILLs the child's group if we die first (SIGKILL, OOM killer): no orphans.
    private let watchdog: pid_t
    private let watchdogFD: Int32
    private let started: Double
    private let state = Mutex(State())

    private struct State {
        var request: StopReason? = nil
        /// 0: nothing sent, 1: SIGINT, 2: SIGTERM, 3: SIGKILL.
        var stage = 0
        var stageSince = 0.0
        var reaped = false
        var waited = false
        var watchdogDisarmed = false
    }

    /// Spawns the child.
    ///
    /// - Throws: `FlameGraphError(.unavailable)` when it cannot be started (not executable, no such file).
    public init(_ spec: ProcessSpec) throws {
        self.spec = spec
        var outPipe: (Int32, Int32) = (-1, -1)
        var errPipe: (Int32, Int32) = (-1, -1)
        var wake: (Int32, Int32) = (-1, -1)
        func closeAll() {
            for fd in [outPipe.0, outPipe.1, errPipe.0, errPipe.1, wake.0, wake.1] where fd >= 0 { close(fd) }
        }
        do {
            if spec.standardOutput == .stream { outPipe = try Self.makePipe() }
            errPipe = try Self.makePipe()
            wake = try Self.makePipe()
        } catch {
            closeAll()
            throw error
        }
        _ = fcntl(wake.1, F_SETFL, fcntl(wake.1, F_GETFL) | O_NONBLOCK)

        let argv = ([spec.executable] + spec.arguments).map { strdup($0) }
        let envp = spec.environment.map { strdup($0) }
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        let stdoutTarget: Int32
        switch spec.standardOutput {
        case .stream: stdoutTarget = outPipe.1
        case .discard: stdoutTarget = FG_STDOUT_DEVNULL
        case .standardError: stdoutTarget = FG_STDOUT_TO_STDERR
        }
        // fork/exec in C (posix_spawn cannot start a watchdog): see fg_spawn in CFlameGraphCapture.
        var child: pid_t = 0
        var watchdog: pid_t = 0
        var watchdogFD: Int32 = -1
        let rc = (argv + [nil]).withUnsafeBufferPointer { a in
            (envp + [nil]).withUnsafeBufferPointer { e in
                fg_spawn(
                    spec.executable, a.baseAddress!, e.baseAddress!, stdoutTarget, errPipe.1,
                    spec.ownProcessGroup ? 1 : 0, &child, &watchdog, &watchdogFD)
            }
        }
        // The child's ends belong to the child now.
        if outPipe.1 >= 0 { close(outPipe.1) }
        close(errPipe.1)
        if rc != 0 {
            if outPipe.0 >= 0 { close(outPipe.0) }
            close(errPipe.0)
            close(wake.0)
            close(wake.1)
            let reason = String(cString: strerror(rc))
            throw FlameGraphError(.unavailable, "cannot start \(spec.executable): \(reason)")
        }
        pid = child
        stdoutFD = outPipe.0
        stderrFD = errPipe.0
        wakeRead = wake.0
        wakeWrite = wake.1
        self.watchdog = watchdog
        self.watchdogFD = watchdogFD
        started = Monotonic.now()
    }

    deinit {
        // A child nobody waited for (an error between spawn and wait) is not left running.
        let unreaped = state.withLock { !$0.reaped }
        if unreaped {
            _ = kill(spec.ownProcessGroup ? -pid : pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        disarmWatchdog()
        for fd in [stdoutFD, stderrFD, wakeRead, wakeWrite] where fd >= 0 { close(fd) }
    }

    /// The child is gone: the watchdog is told so (once) and reaped.
    private func disarmWatchdog() {
        let first = state.withLock { s in
            defer { s.watchdogDisarmed = true }
            return !s.watchdogDisarmed
        }
        if first { fg_watchdog_disarm(watchdog, watchdogFD) }
    }

    static func makePipe() throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        guard fg_pipe_cloexec(&fds) == 0 else {
            throw FlameGraphError(.internal, "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }

    /// Asks the child to stop: SIGINT now (to its whole group), SIGTERM after `interruptGrace`, SIGKILL
    /// after `terminateGrace` more. A profiler stopped this way writes what it collected.
    public func interrupt() { request(.interrupted) }

    /// Stops the child for good: SIGTERM now, SIGKILL after `abortGrace`.
    public func abort() { request(.aborted) }

    private func request(_ reason: StopReason) {
        let now = Monotonic.now()
        state.withLock { s in
            guard !s.reaped else { return }
            if reason == .aborted {
                s.request = .aborted
                if s.stage < 2 { sendLocked(&s, SIGTERM, stage: 2, now: now) }
            } else if s.request == nil {
                s.request = reason
                if s.stage < 1 { sendLocked(&s, SIGINT, stage: 1, now: now) }
            }
        }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Sends `sig` to the child (its group) while holding the state lock, so the pid cannot have been
    /// reaped and reused meanwhile.
    private func sendLocked(_ s: inout State, _ sig: Int32, stage: Int, now: Double) {
        guard !s.reaped else { return }
        _ = kill(spec.ownProcessGroup ? -pid : pid, sig)
        s.stage = stage
        s.stageSince = now
    }

    /// Runs the child to its end: streams its standard output to `onStdout`, keeps its standard error,
    /// interrupts it at `deadline` (seconds after spawn; `nil`: none), escalates stop requests, calls
    /// `onTick` with the elapsed seconds about every `tickInterval`, and reaps it (and terminates
    /// anything left in its process group).
    ///
    /// When `onStdout` throws, the child is aborted and reaped, and the error is rethrown.
    public func wait(
        deadline: Double? = nil, tickInterval: Double = 0.25, onTick: (Double) -> Void = { _ in },
        onStdout: (UnsafeRawBufferPointer) throws -> Void = { _ in }
    ) throws -> ChildOutcome {
        precondition(
            state.withLock { s in
                defer { s.waited = true }; return !s.waited
            }, "wait() called twice")
        var stderrBuffer = BoundedBuffer(limit: spec.stderrLimit)
        let chunkSize = 64 * 1024
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        var outOpen = stdoutFD >= 0
        var errOpen = true
        var consumerError: Error? = nil
        var termination: Termination? = nil
        var exitedAt = 0.0
        var nextTick = started + tickInterval

        /// Reads what is available on `fd`; false at end of file.
        func drain(_ fd: Int32, isStdout: Bool) -> Bool {
            while true {
                let n = read(fd, chunk.baseAddress!, chunkSize)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno == EAGAIN
                }
                if n == 0 { return false }
                let bytes = UnsafeRawBufferPointer(rebasing: chunk[0..<n])
                if isStdout {
                    if consumerError == nil {
                        do { try onStdout(bytes) } catch {
                            consumerError = error
                            abort()
                        }
                    }
                } else {
                    stderrBuffer.append(bytes)
                }
                // One chunk per readiness report: poll again, so neither pipe starves the other.
                return true
            }
        }

        while true {
            let now = Monotonic.now()
            if termination == nil {
                if let deadline, now - started >= deadline { requestDeadline() }
                escalate(now: now)
                termination = reapIfExited()
                if termination != nil { exitedAt = now }
            }
            if termination != nil {
                // Exited: read what is left in the pipes, but not forever (a straggler may hold them).
                if (!outOpen && !errOpen) || now - exitedAt > 2 { break }
            }
            if now >= nextTick {
                onTick(now - started)
                nextTick = now + tickInterval
            }
            var fds: [pollfd] = [
                pollfd(fd: outOpen ? stdoutFD : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: errOpen ? stderrFD : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            let timeout = termination == nil ? 50 : 20
            let ready = poll(&fds, nfds_t(fds.count), Int32(timeout))
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[0].revents != 0 { outOpen = drain(stdoutFD, isStdout: true) }
            if fds[1].revents != 0 { errOpen = drain(stderrFD, isStdout: false) }
            if fds[2].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 64)
                _ = read(wakeRead, &sink, sink.count)
            }
        }
        if termination == nil {
            // poll failed: do not leave the child behind.
            abort()
            termination = reapBlocking()
        }
        let reason = state.withLock { $0.request }
        if let consumerError { throw consumerError }
        return ChildOutcome(
            termination: termination!, stopReason: reason, stderr: stderrBuffer.text,
            elapsed: (exitedAt > 0 ? exitedAt : Monotonic.now()) - started)
    }

    private func requestDeadline() {
        let now = Monotonic.now()
        state.withLock { s in
            if s.request == nil {
                s.request = .deadline
                if s.stage < 1 { sendLocked(&s, SIGINT, stage: 1, now: now) }
            }
        }
    }

    private func escalate(now: Double) {
        state.withLock { s in
            let aborting = s.request == .aborted
            if s.stage == 1 && now - s.stageSince >= spec.interruptGrace {
                sendLocked(&s, SIGTERM, stage: 2, now: now)
            } else if s.stage == 2 && now - s.stageSince >= (aborting ? spec.abortGrace : spec.terminateGrace) {
                sendLocked(&s, SIGKILL, stage: 3, now: now)
            }
        }
    }

    /// If the child has exited: terminates what is left of its group, reaps it, and returns how it ended.
    private func reapIfExited() -> Termination? {
        var info = siginfo_t()
        let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        guard rc == 0, info._sifields._kill.si_pid == pid else { return nil }
        return finishReaping()
    }

    private func reapBlocking() -> Termination {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        return finishReaping()
    }

    /// The child has exited but is not reaped yet, so its pid (the group id) is still ours: signal the
    /// group's stragglers, reap, and make sure the stragglers are gone.
    private func finishReaping() -> Termination {
        if spec.ownProcessGroup { _ = kill(-pid, SIGTERM) }
        var status: Int32 = 0
        state.withLock { s in
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            s.reaped = true
        }
        // The watchdog is a member of the group: it leaves before the group is waited empty.
        disarmWatchdog()
        if spec.ownProcessGroup {
            // Members keep the group id alive, so it cannot be reused while any is left.
            let until = Monotonic.now() + 1
            while kill(-pid, 0) == 0 && Monotonic.now() < until { usleep(20_000) }
            _ = kill(-pid, SIGKILL)
        }
        let signal = status & 0x7f
        if signal == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(signal)
    }
}
