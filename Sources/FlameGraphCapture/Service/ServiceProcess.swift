import FlameGraphCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A service the gate starts: `/bin/sh -c 'exec COMMAND'` in `cwd`, with extra environment, in a
/// process group of its own (so stopping it reaches every worker it forks and nothing survives), its
/// standard output and error appended to a log file. Stopping sends SIGTERM to the whole group, waits,
/// then SIGKILLs whatever is left.
public final class ServiceProcess: Sendable {
    public let pid: pid_t
    public let logPath: String

    /// Starts the command; throws `.unavailable` if it cannot be spawned.
    public init(command: String, cwd: String?, environment: [String], logPath: String) throws {
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own group; an empty signal mask and default dispositions (a child spawned from a Dispatch
        // thread otherwise inherits blocked SIGTERM and cannot be stopped politely).
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        // cd in the shell: posix_spawn_file_actions_addchdir_np is not declared by Swift's Glibc module.
        let script = (cwd.map { "cd \(Self.shellQuoted($0)) && " } ?? "") + "exec " + command
        let words: [String] = ["/bin/sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) }
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let rc = (argv + [nil]).withUnsafeBufferPointer { a in
            (envp + [nil]).withUnsafeBufferPointer { e in
                posix_spawn(
                    &child, "/bin/sh", &actions, &attributes, UnsafeMutablePointer(mutating: a.baseAddress!),
                    UnsafeMutablePointer(mutating: e.baseAddress!))
            }
        }
        guard rc == 0 else {
            throw FlameGraphError(.unavailable, "cannot start `\(command)`: \(String(cString: strerror(rc)))")
        }
        pid = child
        ServiceRegistry.shared.add(child)
    }

    deinit { stop() }

    /// The exit status if the service has exited (it is then reaped), nil while it runs.
    public func exitStatus() -> Int32? {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid {
            ServiceRegistry.shared.markExited(pid, status: status)
        }
        return ServiceRegistry.shared.exitStatus(pid)
    }

    /// SIGTERM to the group, up to `grace` seconds for it to go, then SIGKILL. Idempotent.
    public func stop(grace: Double = 5) {
        ServiceRegistry.terminateGroup(pid, grace: grace)
        _ = exitStatus()
        ServiceRegistry.shared.remove(pid)
    }

    /// The last `bytes` of the log, for error messages and reports.
    public func logTail(bytes: Int = 2000) -> String {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(bytes) ? size - UInt64(bytes) : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// Every service process group still running, so a Ctrl-C handler or a failure path can stop them all.
public final class ServiceRegistry: Sendable {
    public static let shared = ServiceRegistry()
    private struct State {
        var running: Set<pid_t> = []
        var exited: [pid_t: Int32] = [:]
    }
    private let state = Mutex(State())

    func add(_ pid: pid_t) { state.withLock { _ = $0.running.insert(pid) } }
    func remove(_ pid: pid_t) { state.withLock { _ = $0.running.remove(pid) } }
    func markExited(_ pid: pid_t, status: Int32) { state.withLock { $0.exited[pid] = status } }
    func exitStatus(_ pid: pid_t) -> Int32? { state.withLock { $0.exited[pid] } }

    /// Stops every registered group (from a signal-monitor thread, or at the end of a run).
    public func stopAll(grace: Double = 2) {
        let groups = state.withLock { $0.running }
        for pid in groups { Self.terminateGroup(pid, grace: grace) }
    }

    /// SIGTERM the group `pgid`, reap the leader, wait until the group is empty, SIGKILL after `grace`.
    static func terminateGroup(_ pgid: pid_t, grace: Double) {
        guard kill(-pgid, 0) == 0 else { return }
        kill(-pgid, SIGTERM)
        let deadline = Monotonic.now() + grace
        while Monotonic.now() < deadline {
            var status: Int32 = 0
            if waitpid(pgid, &status, WNOHANG) == pgid { shared.markExited(pgid, status: status) }
            if kill(-pgid, 0) != 0 { return }
            usleep(20_000)
        }
        kill(-pgid, SIGKILL)
        var status: Int32 = 0
        if waitpid(pgid, &status, 0) == pgid { shared.markExited(pgid, status: status) }
        // Orphaned members are reaped by init; give the kernel a moment to tear them down.
        for _ in 0..<50 where kill(-pgid, 0) == 0 { usleep(10_000) }
    }
}
