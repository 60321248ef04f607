import FlameGraphCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C and SIGTERM during a capture (installed by `CaptureRunner` for the run, then restored), through a self-pipe: the handler only writes the signal
/// number to a pipe; a monitor thread reads it and calls back outside signal context.
///
/// The first SIGINT is `.stop` (finish early and keep what was captured, as py-spy does); a second
/// SIGINT, or any SIGTERM, is `.abort`. A SIGINT that was ignored when we started (a background job
/// of a non-interactive shell) stays ignored, as shells expect.
///
/// The monitor thread unblocks both signals for itself, so they are delivered even when every other
/// thread (Dispatch and concurrency workers, or a parent that spawned us with a blocked mask) blocks them.
public final class InterruptSignals: Sendable {
    public enum Event: Sendable { case stop, abort }

    private let readFD: Int32
    private let writeFD: Int32
    private let previous: Mutex<[Int32: sigaction]>
    private let finished = Mutex(false)

    /// Installs the handlers and starts the monitor; `handler` runs on the monitor thread.
    public init(_ handler: @escaping @Sendable (Event) -> Void) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw FlameGraphError(.internal, "cannot create the signal pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        readFD = fds[0]
        writeFD = fds[1]
        interruptPipeWriteEnd.store(fds[1], ordering: .sequentiallyConsistent)

        var saved: [Int32: sigaction] = [:]
        for sig in [SIGINT, SIGTERM] {
            var old = sigaction()
            sigaction(sig, nil, &old)
            if sig == SIGINT && unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == 1 {
                continue  // SIG_IGN: inherited from a shell that wants us deaf to Ctrl-C
            }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = interruptSignalHandler
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // no SA_RESTART: a blocking call must return EINTR and see the stop
            sigaction(sig, &action, nil)
            saved[sig] = old
        }
        previous = Mutex(saved)

        let readEnd = readFD
        let thread = Thread {
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGINT)
            sigaddset(&unblock, SIGTERM)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            defer { close(readEnd) }
            var interrupts = 0
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 || byte == 0 { return }  // closed, or uninstall's wake-up
                if Int32(byte) == SIGINT {
                    interrupts += 1
                    handler(interrupts == 1 ? .stop : .abort)
                } else {
                    handler(.abort)
                }
            }
        }
        thread.name = "flame-graph signals"
        thread.start()
    }

    /// Restores the previous handlers and stops the monitor.
    public func uninstall() {
        let already = finished.withLock { done in
            defer { done = true }
            return done
        }
        guard !already else { return }
        previous.withLock { saved in
            for (sig, old) in saved {
                var action = old
                sigaction(sig, &action, nil)
            }
        }
        interruptPipeWriteEnd.store(-1, ordering: .sequentiallyConsistent)
        var zero: UInt8 = 0
        _ = write(writeFD, &zero, 1)
        close(writeFD)  // the monitor closes the read end when it sees the zero byte
    }

    deinit { uninstall() }
}

extension InterruptSignals {
    /// The capture policy: a first Ctrl-C stops the session early, a second one or SIGTERM aborts it.
    convenience init(_ session: CaptureSession) throws {
        try self.init { event in
            switch event {
            case .stop: session.stop()
            case .abort: session.abort()
            }
        }
    }
}

/// The pipe the handler writes to (-1: none). Atomic, so reading it in the handler is safe.
private let interruptPipeWriteEnd = Atomic<Int32>(-1)

/// Async-signal-safe: an atomic load and `write(2)`, errno preserved.
private func interruptSignalHandler(_ signal: Int32) {
    let saved = errno
    let fd = interruptPipeWriteEnd.load(ordering: .sequentiallyConsistent)
    if fd >= 0 {
        var byte = UInt8(truncatingIfNeeded: signal)
        _ = write(fd, &byte, 1)
    }
    errno = saved
}
