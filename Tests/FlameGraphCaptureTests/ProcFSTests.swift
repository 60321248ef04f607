import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCapture

/// `/proc` readers and PATH lookup, on this process, on children the tests start, and on canned files.
final class ProcFSTests: XCTestCase {
    var children: [Process] = []
    var dir = ""

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("fg-procfs") }

    override func tearDown() {
        for p in children where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in children { p.waitUntilExit() }
        children.removeAll()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func start(_ tool: String, _ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        children.append(p)
        return p
    }

    func testThisProcess() {
        let me = getpid()
        XCTAssertEqual(ProcFS.presence(of: me), .alive)
        XCTAssertEqual(ProcFS.parent(of: me), getppid())
        XCTAssertNotNil(ProcFS.comm(of: me))
        XCTAssertEqual(ProcFS.commandLine(of: me)?.first, CommandLine.arguments.first)
        XCTAssertNotNil(ProcFS.executable(of: me))
        XCTAssertTrue(ProcFS.threads(of: me).contains(me))
        XCTAssertTrue(ProcFS.allPIDs().contains(me))
        XCTAssertFalse(ProcFS.isPython(me))
    }

    func testAbsentAndZombieProcesses() throws {
        XCTAssertEqual(ProcFS.presence(of: 0), .absent)
        XCTAssertEqual(ProcFS.presence(of: -5), .absent)
        XCTAssertEqual(ProcFS.presence(of: Int32.max), .absent)
        // A child that exited and was not reaped yet is a zombie: nothing to profile.
        let child = try ChildProcess(ProcessSpec(executable: "/bin/true", arguments: []))
        XCTAssertTrue(eventually { ProcFS.presence(of: child.pid) == .zombie })
        _ = try child.wait()
        XCTAssertEqual(ProcFS.presence(of: child.pid), .absent)
    }

    func testPythonIsRecognisedByExecutableNameAndArgv() throws {
        let python = try XCTUnwrap(ExecutableLookup.find("python3"), "python3 on PATH")
        let p = try start(python, ["-c", "import time; time.sleep(30)"])
        XCTAssertTrue(eventually { ProcFS.isPython(p.processIdentifier) })
        let sleeper = try start("/bin/sleep", ["30"])
        // Right after the spawn the child may not have exec'd yet: wait until /proc shows `sleep`.
        XCTAssertTrue(eventually { ProcFS.describe(sleeper.processIdentifier).contains("sleep 30") })
        XCTAssertFalse(ProcFS.isPython(sleeper.processIdentifier))

        for name in ["python", "python3", "python3.11", "python3.12d", "pypy3", "python2.7"] {
            XCTAssertTrue(ProcFS.isPythonName(name), name)
        }
        for name in ["pythonista", "sh", "node", "py", "python-config3", "ipython"] {
            XCTAssertFalse(ProcFS.isPythonName(name), name)
        }
    }

    func testCannedProcTree() throws {
        let root = dir + "/proc"
        try FileManager.default.createDirectory(atPath: root + "/42", withIntermediateDirectories: true)
        try "42 (my (odd) app) S 1 42 42 0 -1\n".write(toFile: root + "/42/stat", atomically: true, encoding: .utf8)
        try "gunicorn\n".write(toFile: root + "/42/comm", atomically: true, encoding: .utf8)
        try "/usr/bin/python3\0/srv/venv/bin/gunicorn\0app:app\0".write(
            toFile: root + "/42/cmdline", atomically: true, encoding: .utf8)
        XCTAssertEqual(ProcFS.state(of: 42, root: root), "S")
        XCTAssertEqual(ProcFS.parent(of: 42, root: root), 1)
        XCTAssertEqual(ProcFS.comm(of: 42, root: root), "gunicorn")
        XCTAssertEqual(
            ProcFS.commandLine(of: 42, root: root), ["/usr/bin/python3", "/srv/venv/bin/gunicorn", "app:app"])
        XCTAssertTrue(ProcFS.isPython(42, root: root), "argv[0] is python3")
        XCTAssertEqual(ProcFS.presence(of: 42, root: root), .alive)
        try FileManager.default.createDirectory(atPath: root + "/43", withIntermediateDirectories: true)
        try "43 (z) Z 1 43 43 0 -1\n".write(toFile: root + "/43/stat", atomically: true, encoding: .utf8)
        XCTAssertEqual(ProcFS.presence(of: 43, root: root), .zombie)
        XCTAssertEqual(ProcFS.presence(of: 44, root: root), .absent)
        XCTAssertEqual(ProcFS.allPIDs(root: root), [42, 43])
    }

    func testExecutableLookup() throws {
        let sh = try XCTUnwrap(ExecutableLookup.find("sh"))
        XCTAssertTrue(sh.hasSuffix("/sh"))
        let tool = dir + "/mytool"
        try "#!/bin/sh\n".write(toFile: tool, atomically: true, encoding: .utf8)
        XCTAssertNil(ExecutableLookup.find("mytool", searchPath: dir), "not executable yet")
        chmod(tool, 0o755)
        XCTAssertEqual(ExecutableLookup.find("mytool", searchPath: "/nonexistent:" + dir), tool)
        XCTAssertNil(ExecutableLookup.find("mytool", searchPath: "/nonexistent"))
        XCTAssertEqual(ExecutableLookup.find(tool, searchPath: ""), tool, "a path is taken as given")
        try FileManager.default.createDirectory(atPath: dir + "/adir", withIntermediateDirectories: true)
        XCTAssertNil(ExecutableLookup.find("adir", searchPath: dir), "directories are not programs")
    }

    func testMissingProfilersSayHowToInstallThem() {
        XCTAssertThrowsError(try Profiler.perf.locate(searchPath: "/nonexistent")) {
            XCTAssertEqual(
                $0 as? FlameGraphError,
                FlameGraphError(.unavailable, "perf not found on PATH: install it with `apt-get install linux-perf`"))
        }
        XCTAssertThrowsError(try Profiler.pySpy.locate(searchPath: "")) {
            XCTAssertEqual(
                $0 as? FlameGraphError,
                FlameGraphError(.unavailable, "py-spy not found on PATH: install it with `pip install py-spy`"))
        }
        XCTAssertNoThrow(try Profiler.perf.locate())
    }

    func testSysctlReadsKernelSettings() {
        XCTAssertNotNil(Int(ProcFS.sysctl("kernel/perf_event_paranoid") ?? ""))
        XCTAssertNil(ProcFS.sysctl("kernel/no_such_setting"))
    }
}
