import FlameGraphCapture
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C and SIGTERM for the whole of `flame-graph gate`: the first one marks the run interrupted and
/// stops every service the gate started (so nothing is left running), the steps then end with 130.
///
/// Its handler writes to a pipe of its own, so a capture's `InterruptSignals` can be installed on top
/// during a round and restore this handler afterwards (sigaction save/restore nests; a shared pipe
/// would not).
final class GateSignals: Sendable {
    static let shared = GateSignals()
    static let interruption = CommandExit(status: ExitStatus.interrupted)

    private let flag = Atomic<Bool>(false)
    private let installed = Mutex(false)

    var interrupted: Bool { flag.load(ordering: .relaxed) }

    func install() {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        gateSignalPipe.store(fds[1], ordering: .sequentiallyConsistent)
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = gateSignalHandler
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, nil)
        }
        let readEnd = fds[0]
        let thread = Thread { [self] in
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGINT)
            sigaddset(&unblock, SIGTERM)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                self.flag.store(true, ordering: .relaxed)
                Console.writeErr("\nflame-graph: interrupted: stopping the services\n")
                ServiceRegistry.shared.stopAll()
            }
        }
        thread.name = "flame-graph gate signals"
        thread.start()
    }
}

private let gateSignalPipe = Atomic<Int32>(-1)

/// Async-signal-safe: an atomic load and `write(2)`, errno preserved.
private func gateSignalHandler(_ signal: Int32) {
    let saved = errno
    let fd = gateSignalPipe.load(ordering: .sequentiallyConsistent)
    if fd >= 0 {
        var byte = UInt8(truncatingIfNeeded: signal)
        _ = write(fd, &byte, 1)
    }
    errno = saved
}
