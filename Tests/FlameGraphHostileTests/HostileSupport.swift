import FlameGraphTestSupport
import Foundation
import XCTest

/// Runs the built `flame-graph` against hostile peers and files: bounded in time (killed past its
/// limit), with its peak RSS (`wait4`), optional signals at given moments, and a private TMPDIR.
class HostileTestCase: XCTestCase {
    var dir = ""
    var tmp = ""
    private var servers: [Process] = []

    /// The limits every run must hold (issue 15).
    static let maxRSSKB = 1 << 20
    static let signalGrace = 3.0

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("fg-hostile")
        tmp = dir + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        for s in servers where s.isRunning { kill(s.processIdentifier, SIGKILL) }
        for s in servers { s.waitUntilExit() }
        servers.removeAll()
        try? FileManager.default.removeItem(atPath: dir)
    }

    struct Run {
        var status: Int32
        var stderr: String
        var stdout: String
        var seconds: Double
        var maxRSSKB: Int
        /// Seconds from the last signal sent to the end.
        var afterSignal: Double?
    }

    /// `VmHWM` (kB) of a running process, nil once it is gone.
    static func highWaterKB(_ pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }

    /// Runs `flame-graph args` with `environment` added, killing it after `limit` seconds; `signals`
    /// are (seconds after start, signal) sent to it. `umask` is set for the run through `sh`.
    func run(
        _ args: [String], environment: [String: String] = [:], limit: Double = 60, signals: [(Double, Int32)] = [],
        umask: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Run {
        var env = ProcessInfo.processInfo.environment
        env["TMPDIR"] = tmp
        for (k, v) in environment { env[k] = v }
        let out = dir + "/run.stdout", err = dir + "/run.stderr"
        let tool = FlameGraphBinary.path
        // Through sh for the working directory and the umask; `exec` keeps the pid flame-graph's.
        let script = "cd \"$0\" && " + (umask.map { "umask \($0) && " } ?? "") + "exec \"$@\""
        let argv: [String] = ["/bin/sh", "-c", script, dir, tool] + args
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
        XCTAssertEqual(rc, 0, "cannot start \(argv[0])", file: file, line: line)
        let start = Date()
        var pending = signals.sorted { $0.0 < $1.0 }
        var lastSignal: Date? = nil
        var status: Int32 = 0
        var usage = rusage()
        var killed = false
        // Peak RSS from the process's own VmHWM: wait4's ru_maxrss also counts the test process's peak,
        // which a vfork-style spawn hands over at exec (hundreds of MB late in a full test run).
        var peakKB = 0
        while true {
            if let hwm = Self.highWaterKB(pid) { peakKB = max(peakKB, hwm) }
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            let elapsed = Date().timeIntervalSince(start)
            if let next = pending.first, elapsed >= next.0 {
                kill(pid, next.1)
                lastSignal = Date()
                pending.removeFirst()
            }
            if elapsed > limit && !killed {
                killed = true
                kill(pid, SIGKILL)
                XCTFail("flame-graph \(args.joined(separator: " ")) ran past \(limit) s", file: file, line: line)
            }
            usleep(20_000)
        }
        let end = Date()
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let run = Run(
            status: exit, stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", seconds: end.timeIntervalSince(start),
            maxRSSKB: peakKB > 0 ? peakKB : usage.ru_maxrss, afterSignal: lastSignal.map { end.timeIntervalSince($0) })
        XCTAssertLessThan(run.maxRSSKB, Self.maxRSSKB, "peak RSS \(run.maxRSSKB) KB", file: file, line: line)
        if let after = run.afterSignal {
            XCTAssertLessThan(
                after, Self.signalGrace, "still running \(after) s after the signal", file: file, line: line)
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []
        XCTAssertEqual(left, [], "temporary files left behind", file: file, line: line)
        return run
    }

    /// Starts the hostile peer in `mode` on 127.0.0.1 and returns its port (it ends itself within 60 s).
    func server(_ mode: String, _ argument: String? = nil) throws -> Int {
        let python = try RequiredTool.require("python3", install: "apt-get install python3")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "hostile_server.py"
        ).path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, mode] + (argument.map { [$0] } ?? [])
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        servers.append(p)
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        // A server that does not start is a failure of the test, not a reason to skip it.
        return try XCTUnwrap(
            Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
            "the hostile server (\(mode)) did not start")
    }

    /// Runs python3 `code` (to build a hostile file) in the test directory, for at most 120 s.
    func python(_ code: String) throws {
        let python = try RequiredTool.require("python3", install: "apt-get install python3")
        let r = try TestProcess.run(python, ["-c", code], in: dir, timeout: 120)
        XCTAssertEqual(r.status, 0, "python3 -c \(code.prefix(80)): \(r.stderr.suffix(400))")
    }
}
