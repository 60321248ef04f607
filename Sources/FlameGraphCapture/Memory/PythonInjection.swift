import FlameGraphCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Queues Python source as a pending call (`Py_AddPendingCall(PyRun_SimpleString, code)`) in a running
/// CPython process through gdb, so that its main thread runs it at its next safe point with the GIL.
///
/// gdb's own `call` is not used: on this CPU (AMX) gdb 13 cannot write the extended register state
/// back after a call ("Couldn't write extended state status: Bad address") and leaves the thread
/// in a state that killed the target (a sleeping `time.sleep` raised OSError 514). The script instead
/// waits until some thread enters `malloc` or `free` (a function entry: no allocator lock held, and
/// every vector register is the caller's to lose), saves the general registers, makes two calls by
/// hand — `malloc(n)` for the code (kept: the pending call reads it later; a few hundred bytes),
/// then `Py_AddPendingCall` — each returning to the program's entry point (AT_ENTRY, where nothing
/// else ever goes), restores the registers and detaches. x86-64 only.
enum PythonInjection {
    /// What gdb reported.
    enum Outcome: Equatable {
        case queued
        /// No thread entered malloc/free before gdb was interrupted (deadline or Ctrl-C).
        case noSafeStop
        /// The pending-call queue was full.
        case queueFull
        /// gdb failed: its message.
        case failed(String)
    }

    /// The program's entry point from /proc/PID/auxv (AT_ENTRY = 9), already relocated.
    static func entryPoint(of pid: Int32) -> UInt64? {
        guard let bytes = ProcFS.readBytes("/proc/\(pid)/auxv", limit: 64 << 10) else { return nil }
        func word(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } }
        var at = 0
        while at + 16 <= bytes.count {
            switch word(at) {
            case 0: return nil
            case 9: return word(at + 8)
            default: at += 16
            }
        }
        return nil
    }

    /// The gdb command file that queues `code` (a NUL is appended) with `entry` as the return address.
    static func script(code: String, entry: UInt64) -> String {
        var bytes = Array(code.utf8) + [0]
        while bytes.count % 8 != 0 { bytes.append(0) }
        let registers = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"] + (8...15).map { "r\($0)" } + ["rip"]
        // eflags keeps its own type: gdb refuses to cast it to long.
        let save = registers.map { "set $fg_\($0) = (long)$\($0)" } + ["set $fg_eflags = $eflags"]
        let restore = (registers + ["eflags"]).map { "set $\($0) = $fg_\($0)" }
        // A call by hand: a 16-byte aligned frame well below the interrupted one (past its red
        // zone), the return address on top, arguments in rdi/rsi; resumed until it comes back.
        func call(_ function: String, _ first: String, _ second: String) -> [String] {
            [
                "set $rsp = (($fg_rsp - 4096) & -16) - 8", "set {long}$rsp = $fg_ret", "set $rdi = \(first)",
                "set $rsi = \(second)", "set $rax = 0", "set $rip = \(function)", "continue",
                "while (long)$pc != $fg_ret", "continue", "end",
            ]
        }
        let store = stride(from: 0, to: bytes.count, by: 8).map { at -> String in
            let word = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
            return "set {long}($fg_buf + \(at)) = \(Int64(bitPattern: word))"
        }
        let lines: [String] =
            [
                "set pagination off", "set confirm off", "set width 0", "handle all nostop noprint pass",
                "set $fg_add = (long)Py_AddPendingCall", "set $fg_run = (long)PyRun_SimpleString",
                "set $fg_malloc = (long)malloc", "set $fg_free = (long)free", "set $fg_ret = \(entry)",
                "set $fg_buf = 0", "set $fg_rc = -2", #"printf "FLAMEGRAPH: symbols\n""#, "set $_hit_bpnum = 0",
                "break *$fg_malloc", "break *$fg_free", "continue",
                // Interrupted (deadline, Ctrl-C) before any thread got there: leave untouched.
                "if $_hit_bpnum == 0", #"printf "FLAMEGRAPH: no safe stop\n""#, "delete", "detach", "quit", "end",
                "delete", #"printf "FLAMEGRAPH: stopped\n""#,
            ] + save + ["break *$fg_ret"] + call("$fg_malloc", "\(bytes.count)", "0")
            + ["set $fg_buf = (long)$rax", "if $fg_buf != 0"] + store + call("$fg_add", "$fg_run", "$fg_buf")
            + ["set $fg_rc = (int)$rax", "end", "delete"] + restore
            + [#"printf "FLAMEGRAPH: queued %d\n", $fg_rc"#, "detach", "quit"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Runs gdb on `pid` with the script (written to `scriptPath`); gdb is interrupted if no thread
    /// reaches a safe stop within `wait` seconds.
    static func queue(
        _ code: String, pid: Int32, gdb: String, scriptPath: String, wait: Double, session: CaptureSession
    )
        throws -> Outcome
    {
        #if arch(x86_64)
            guard let entry = entryPoint(of: pid) else {
                throw FlameGraphError(.unavailable, "cannot read /proc/\(pid)/auxv: run as root or as its user")
            }
            try Array(script(code: code, entry: entry).utf8).withUnsafeBytes {
                try Data($0).write(to: URL(fileURLWithPath: scriptPath))
            }
            var out = BoundedBuffer(limit: 1 << 20)
            let spec = ProcessSpec(
                executable: gdb,
                arguments: [
                    "-batch", "-nx", "-nw", "-iex", "set debuginfod enabled off", "-iex", "set auto-load off", "-p",
                    String(pid), "-x", scriptPath,
                ], environment: session.childEnvironment, standardOutput: .stream)
            let outcome = try session.record(
                spec, label: "memory: gdb waits for pid \(pid) to allocate", duration: wait, deadline: wait,
                watch: pid, onStdout: { out.append($0) })
            let text = out.text
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("FLAMEGRAPH: queued ") }) {
                return line.hasSuffix(" 0") ? .queued : .queueFull
            }
            if text.contains("FLAMEGRAPH: no safe stop") { return .noSafeStop }
            // gdb's last words, without warnings, echoed source lines ("71\t../sysdeps/…") and the
            // "Error in sourced command file" line that only names our script.
            let said = outcome.stderr.split(separator: "\n").filter { line in
                !line.hasPrefix("warning:") && !line.contains("Error in sourced command file")
                    && !(line.first?.isNumber == true && line.contains("\t"))
            }.suffix(2).joined(separator: " / ")
            if !text.contains("FLAMEGRAPH: symbols") {
                if said.contains("ptrace") {
                    return .failed("gdb cannot attach to pid \(pid) (\(said)): run as root, and no other debugger")
                }
                return .failed(
                    "pid \(pid) exports no Py_AddPendingCall/PyRun_SimpleString for gdb (\(said.isEmpty ? outcome.termination.description : said))"
                )
            }
            return .failed("gdb stopped half-way in pid \(pid) (\(outcome.termination)): \(said)")
        #else
            throw FlameGraphError(
                .unavailable, "memory --pid of a Python process injects its probe on x86-64 only; use memory --cmd")
        #endif
    }
}
