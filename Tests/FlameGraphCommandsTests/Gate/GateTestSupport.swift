import FlameGraphTestSupport
import Foundation
import XCTest

/// Helpers shared by the gate, comment and baseline-sync tests: the built tool run with a chosen
/// environment, helper scripts under Tests/GateFixtures, and real git repositories in temp dirs.
enum GateTestSupport {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("GateFixtures").path
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs `flame-graph` with exactly `environment` (plus PATH and HOME), in `directory`, for at most
    /// 600 s (a gate run captures for seconds per service and round).
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws
        -> ToolResult
    {
        var env = environment
        let current = ProcessInfo.processInfo.environment
        for key in ["PATH", "HOME"] { env[key] = env[key] ?? current[key] }
        return try TestProcess.run(FlameGraphBinary.path, arguments, in: directory, timeout: 600, environment: env)
    }

    /// `git …` in `directory`; fails the test on a non-zero exit.
    @discardableResult
    static func git(_ arguments: [String], in directory: String, file: StaticString = #filePath, line: UInt = #line)
        throws
        -> String
    {
        let r = try TestProcess.run(
            "/usr/bin/git", ["-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments, in: directory)
        XCTAssertEqual(r.status, 0, "git \(arguments.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A started helper process whose first stdout line is a port; killed by `stop()`.
    final class Server {
        let process = Process()
        let port: Int

        init(python script: String, _ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [script] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The first line that is a number (a service may say other things first).
            var found: Int? = nil
            for _ in 0..<5 where found == nil {
                var line = Data()
                while let byte = try out.fileHandleForReading.read(upToCount: 1), let b = byte.first, b != 0x0A {
                    line.append(b)
                }
                if line.isEmpty { break }
                found = Int(String(decoding: line, as: UTF8.self))
            }
            guard let port = found else {
                process.terminate()
                throw NSError(
                    domain: "GateTestSupport", code: 1, userInfo: [NSLocalizedDescriptionKey: "no port from \(script)"])
            }
            self.port = port
        }

        func stop() {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }

        deinit { stop() }
    }
}
