import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a program run by `TestProcess.run` did.
public struct ToolResult: Sendable {
    public var status: Int32
    /// Standard output as bytes (profiles, git objects), and as text below.
    public var stdoutData: Data
    public var stderr: String
    public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    /// It ran past its timeout and was stopped (`status` is then -1).
    public var timedOut: Bool

    /// stdout then stderr, for messages and searches that do not care which stream said it.
    public var output: String { stdout + stderr }
    public var summary: String {
        "exit \(status)\(timedOut ? " (timed out)" : "")\nstdout: \(stdout)\nstderr: \(stderr)"
    }
}

/// Starting, waiting for and stopping the programs tests run (profilers, compilers, workloads). Output
/// goes to files, never to pipes, so a chatty child cannot block on a full pipe; every wait is bounded.
public enum TestProcess {
    /// Starts `executable` in `directory` with stdout/stderr in `tag.stdout`/`tag.stderr` of
    /// `outputDirectory` (default: `directory`). `environment` replaces the inherited one when given.
    public static func start(
        _ executable: String, _ arguments: [String], in directory: String, tag: String,
        environment: [String: String]? = nil, stdin: Data? = nil, outputDirectory: String? = nil
    ) throws -> Process {
        let files = (outputDirectory ?? directory) + "/" + tag
        let process = Process()
        if let environment { process.environment = environment }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        FileManager.default.createFile(atPath: files + ".stdout", contents: nil)
        FileManager.default.createFile(atPath: files + ".stderr", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: files + ".stdout")
        process.standardError = FileHandle(forWritingAtPath: files + ".stderr")
        // stdin is a pipe, as in a shell pipeline (`perf script | flame-graph …`), fed from another thread.
        let input = stdin.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        try process.run()
        if let input, let stdin {
            DispatchQueue.global().async {
                try? input.fileHandleForWriting.write(contentsOf: stdin)
                try? input.fileHandleForWriting.close()
            }
        }
        return process
    }

    /// Waits up to `timeout` seconds for `process` to end; true if it did.
    @discardableResult
    public static func wait(_ process: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return false }
            usleep(20_000)
        }
        process.waitUntilExit()
        return true
    }

    /// Ends `process` if it still runs: SIGTERM, then SIGKILL after `grace` seconds. Only this process,
    /// by its id.
    public static func stop(_ process: Process, grace: TimeInterval = 2) {
        guard process.isRunning else { return }
        process.terminate()
        if !wait(process, timeout: grace) {
            kill(process.processIdentifier, SIGKILL)
            wait(process, timeout: grace)
        }
    }

    /// Runs `executable` to completion, stopping it if it takes longer than `timeout` seconds. It runs
    /// in `directory` (default: a scratch directory); its output is collected in a scratch directory.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil, timeout: TimeInterval = 120,
        environment: [String: String]? = nil, stdin: Data? = nil
    ) throws -> ToolResult {
        let scratch = try makeTemporaryDirectory("fg-run")
        defer { removeTemporaryDirectory(scratch) }
        let process = try start(
            executable, arguments, in: directory ?? scratch, tag: "run", environment: environment, stdin: stdin,
            outputDirectory: scratch)
        let finished = wait(process, timeout: timeout)
        if !finished { stop(process) }
        let out = FileManager.default.contents(atPath: scratch + "/run.stdout") ?? Data()
        let err = FileManager.default.contents(atPath: scratch + "/run.stderr") ?? Data()
        return ToolResult(
            status: finished ? process.terminationStatus : -1, stdoutData: out,
            stderr: String(decoding: err, as: UTF8.self), timedOut: !finished)
    }

    /// Waits up to `timeout` seconds for a file to appear.
    public static func waitForFile(_ path: String, timeout: TimeInterval) -> Bool {
        eventually(timeout) { FileManager.default.fileExists(atPath: path) }
    }

    /// The inherited environment with `extra` on top.
    public static func environment(adding extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(extra) { $1 }
    }
}

/// Polls `condition` every 20 ms for up to `seconds`; true as soon as it holds.
public func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let until = Date().addingTimeInterval(seconds)
    while Date() < until {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
