import FlameGraphCommands
import FlameGraphTestSupport
import Foundation
import XCTest

/// Shared machinery of the capture tests: a private directory (also the TMPDIR of the runs, so
/// leftovers are visible), workloads the tests build and start, flame-graph run in-process through
/// `FlameGraphCLI.run(_:context:)` (`fg`) or as the built binary (`fgBinary`, `launch`: the end-to-end
/// runs — signals, a terminal, another user), folded-output shares, and clean-up of everything started.
class CaptureTestCase: XCTestCase {
    var dir = ""
    /// TMPDIR of the flame-graph runs: must be empty after every run.
    var tmp = ""
    var started: [Process] = []

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("fg-capture")
        tmp = dir + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        chmod(dir, 0o777)
        chmod(tmp, 0o777)
    }

    override func tearDownWithError() throws {
        for p in started where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        // Anything else started under our directory (a workload run by perf --cmd, a server's worker).
        for pid in processes(mentioning: dir) { kill(pid, SIGKILL) }
        for p in started { waitBounded(p, seconds: 5) }
        started.removeAll()
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: - Tools

    /// The real Python interpreter (not a pyenv shim), so its pid is Python from the first instant.
    static let python: String? = {
        guard let shim = RequiredTool.which("python3") else { return nil }
        let out = try? TestProcess.run(shim, ["-c", "import sys; print(sys.executable)"], timeout: 300).stdout
        return out.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }()

    /// The py-spy binary itself (pip installs it beside the interpreter), else whatever PATH has.
    static let pySpy: String? = {
        if let python {
            let candidate = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("py-spy")
                .path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return RequiredTool.which("py-spy")
    }()

    /// How to install the tools the capture tests use.
    static let installHints = [
        "perf": "apt-get install linux-perf", "gcc": "apt-get install gcc", "node": "apt-get install nodejs",
        "go": "apt-get install golang-go", "py-spy": "pip install py-spy", "python3": "apt-get install python3",
        "script": "apt-get install util-linux", "taskset": "apt-get install util-linux",
    ]

    /// Each tool, or a skip (a failure in CI) saying how to install it.
    func requireTools(_ tools: String...) throws {
        for t in tools { try RequiredTool.require(t, install: Self.installHints[t] ?? "install \(t)") }
    }

    /// Compiles `source` with `gcc -O0 -fno-omit-frame-pointer` into `dir/name`.
    func compile(_ name: String, _ source: String, flags: [String] = []) throws -> String {
        try requireTools("gcc")
        try source.write(toFile: "\(dir)/\(name).c", atomically: true, encoding: .utf8)
        let r = try TestProcess.run(
            "/usr/bin/gcc", ["-O0", "-fno-omit-frame-pointer", "-o", "\(dir)/\(name)", "\(dir)/\(name).c"] + flags,
            timeout: 300)
        XCTAssertEqual(r.status, 0, r.output)
        return "\(dir)/\(name)"
    }

    // MARK: - Processes

    /// Starts a workload; killed in tearDown.
    @discardableResult
    func start(_ tool: String, _ args: [String], environment: [String: String]? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        if let environment { p.environment = environment }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        started.append(p)
        return p
    }

    func waitBounded(_ p: Process, seconds: Double) {
        let until = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < until { usleep(20_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            while p.isRunning { usleep(10_000) }
        }
    }

    /// Live (not zombie) processes whose command line mentions `text`.
    func processes(mentioning text: String) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let me = getpid()
        return entries.compactMap { Int32($0) }.filter { pid in
            guard pid != me,
                let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let state = stat[stat.index(close, offsetBy: 2)]
            let text0 = String(decoding: cmdline.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return state != "Z" && state != "X" && text0.contains(text)
        }
    }

    /// The files left in the runs' TMPDIR.
    func leftovers() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] }

    // MARK: - flame-graph

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var seconds: Double
    }

    /// The command line that starts flame-graph, optionally as `nobody` (through setpriv).
    func command(_ args: [String], asNobody: Bool) -> (String, [String]) {
        if asNobody {
            return (
                "/usr/bin/setpriv",
                ["--reuid=65534", "--regid=65534", "--clear-groups", "--", FlameGraphBinary.path] + args
            )
        }
        return (FlameGraphBinary.path, args)
    }

    func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["TMPDIR"] = tmp
        env.removeValue(forKey: "RESQ_API_KEY")
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Starts flame-graph with its output going to files in `dir` (read them with `finish`).
    func launch(_ args: [String], env: [String: String] = [:], asNobody: Bool = false, tag: String = "run") throws
        -> Process
    {
        let (tool, arguments) = command(args, asNobody: asNobody)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.environment = environment(env)
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        _ = FileManager.default.createFile(atPath: "\(dir)/\(tag).out", contents: nil)
        _ = FileManager.default.createFile(atPath: "\(dir)/\(tag).err", contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir)/\(tag).out"))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir)/\(tag).err"))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        started.append(p)
        return p
    }

    /// Waits (bounded) for a launched run and reads its output.
    func finish(_ p: Process, tag: String = "run", timeout: Double = 120, since: Date) -> Run {
        waitBounded(p, seconds: timeout)
        let out = (try? String(contentsOfFile: "\(dir)/\(tag).out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: "\(dir)/\(tag).err", encoding: .utf8)) ?? ""
        return Run(
            status: p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus,
            stdout: out, stderr: err, seconds: Date().timeIntervalSince(since))
    }

    /// Sends `signal` (Ctrl-C by default) to a launched run after `seconds`, then waits for it as `finish`.
    func interrupt(
        _ p: Process, after seconds: Double, with signal: Int32 = SIGINT, tag: String = "run", timeout: Double = 30,
        since: Date
    ) -> Run {
        usleep(useconds_t(seconds * 1_000_000))
        kill(p.processIdentifier, signal)
        return finish(p, tag: tag, timeout: timeout, since: since)
    }

    /// Runs flame-graph in-process (`FlameGraphCLI.run` with this test's environment, TMPDIR and
    /// directory); as the built binary when it must run as another user.
    func fg(_ args: [String], env: [String: String] = [:], asNobody: Bool = false, timeout: Double = 120) throws -> Run
    {
        if asNobody { return try fgBinary(args, env: env, asNobody: true, timeout: timeout) }
        let out = CollectedOutput()
        let err = CollectedOutput()
        let context = CLIContext(
            stdout: out.sink, stderr: err.sink, environment: environment(env), workingDirectory: dir)
        let t0 = Date()
        let status = FlameGraphCLI.run(args, context: context)
        return Run(status: status, stdout: out.text, stderr: err.text, seconds: Date().timeIntervalSince(t0))
    }

    /// Runs the built flame-graph binary to its end (at most `timeout` seconds): the end-to-end path.
    func fgBinary(_ args: [String], env: [String: String] = [:], asNobody: Bool = false, timeout: Double = 120) throws
        -> Run
    {
        let t0 = Date()
        let p = try launch(args, env: env, asNobody: asNobody)
        return finish(p, timeout: timeout, since: t0)
    }

    // MARK: - Reading results

    /// Folded stacks → weight.
    func folded(_ path: String) throws -> [(stack: [String], weight: Double)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard let space = line.lastIndex(of: " "), let w = Double(line[line.index(after: space)...]) else {
                return nil
            }
            return (line[..<space].split(separator: ";").map(String.init), w)
        }
    }

    /// The share of the total weight in stacks with a frame for which `matches` holds.
    func share(_ stacks: [(stack: [String], weight: Double)], _ matches: (String) -> Bool) -> Double {
        let total = stacks.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return 0 }
        return stacks.filter { $0.stack.contains(where: matches) }.reduce(0) { $0 + $1.weight } / total
    }

    func share(_ stacks: [(stack: [String], weight: Double)], function: String) -> Double {
        share(stacks) { $0 == function || $0.hasPrefix(function + " (") }
    }

    /// Fails unless each function's share of the folded stacks at `path` is within `accuracy` of the
    /// share the program measured itself.
    func assertShares(
        folded path: String, _ expected: [(function: String, program: Double)], accuracy: Double = 0.08,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let stacks = try folded(path)
        for (function, program) in expected {
            let measured = share(stacks, function: function)
            XCTAssertEqual(
                measured, program, accuracy: accuracy, "\(function): profile \(measured), program \(program)",
                file: file, line: line)
        }
    }

    func git(_ args: String...) throws {
        let r = try TestProcess.run("/usr/bin/git", args, in: dir + "/repo", timeout: 300)
        XCTAssertEqual(r.status, 0, r.output)
    }

    /// `dir/repo`: a git repository on `main` with one empty commit, for baselines.
    func makeRepository() throws {
        try FileManager.default.createDirectory(atPath: dir + "/repo", withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
        try git("-c", "user.email=d@e.f", "-c", "user.name=D", "commit", "-q", "--allow-empty", "-m", "A")
    }

    func svgFrameNames(_ path: String) throws -> Set<String> {
        Set(SVGFrames.parse(try String(contentsOfFile: path, encoding: .utf8), geometry: .samples).map(\.name))
    }
}
