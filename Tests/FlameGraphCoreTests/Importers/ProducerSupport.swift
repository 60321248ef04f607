import FlameGraphCore
import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Shared helpers of the importer tests: fixtures, temporary directories, running real profilers
/// with bounded waits, and reading profiles back as folded text and shares.
enum ProducerSupport {
    // MARK: Fixtures and folders

    /// `Tests/Fixtures/importers`.
    static var fixturesDirectory: String {
        URL(fileURLWithPath: #filePath)  // Tests/FlameGraphCoreTests/Importers/ProducerSupport.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/importers").path
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        let path = fixturesDirectory + "/" + name
        guard let data = FileManager.default.contents(atPath: path) else {
            throw XCTSkip("fixture \(path) is missing")
        }
        return [UInt8](data)
    }

    /// A new empty directory under the system's temporary directory; remove it with `removeDirectory`.
    static func makeDirectory(_ prefix: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    // MARK: Tools

    /// The full path of `tool` on `PATH`, or nil.
    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The path of a producer the test needs. Missing on a developer machine: the test is skipped;
    /// missing in CI (`CI` set): the test fails, since `ci/setup` should have installed it.
    static func requireTool(_ tool: String, installHint: String) throws -> String {
        if let path = which(tool) { return path }
        let message = "\(tool) is not installed (\(installHint))"
        if ProcessInfo.processInfo.environment["CI"] != nil { throw MissingTool(message: message) }
        throw XCTSkip(message)
    }

    struct MissingTool: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    // MARK: Processes

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
        var summary: String { "exit \(status)\(timedOut ? " (timed out)" : "")\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// Starts `executable` with its output going to files in `directory` (no pipes to fill up).
    static func start(
        _ executable: String, _ arguments: [String], in directory: String, tag: String,
        environment: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        FileManager.default.createFile(atPath: "\(directory)/\(tag).stdout", contents: nil)
        FileManager.default.createFile(atPath: "\(directory)/\(tag).stderr", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: "\(directory)/\(tag).stdout")
        process.standardError = FileHandle(forWritingAtPath: "\(directory)/\(tag).stderr")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits up to `timeout` seconds for `process` to end; true if it did.
    @discardableResult
    static func wait(_ process: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return false }
            usleep(20_000)
        }
        process.waitUntilExit()
        return true
    }

    /// Ends `process` if it still runs: SIGTERM, then SIGKILL after a grace period. Only this process,
    /// by its id.
    static func stop(_ process: Process, grace: TimeInterval = 2) {
        guard process.isRunning else { return }
        process.terminate()
        if !wait(process, timeout: grace) {
            kill(process.processIdentifier, SIGKILL)
            wait(process, timeout: grace)
        }
    }

    /// Runs `executable` to completion, killing it if it takes longer than `timeout` seconds.
    static func run(
        _ executable: String, _ arguments: [String], in directory: String, timeout: TimeInterval,
        environment: [String: String] = [:]
    ) throws -> Result {
        let tag = "run-\(UUID().uuidString.prefix(8))"
        let process = try start(executable, arguments, in: directory, tag: tag, environment: environment)
        let finished = wait(process, timeout: timeout)
        if !finished { stop(process) }
        let out = (try? String(contentsOfFile: "\(directory)/\(tag).stdout", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: "\(directory)/\(tag).stderr", encoding: .utf8)) ?? ""
        return Result(status: finished ? process.terminationStatus : -1, stdout: out, stderr: err, timedOut: !finished)
    }

    /// Waits up to `timeout` seconds for a file to appear.
    static func waitForFile(_ path: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !FileManager.default.fileExists(atPath: path) {
            if Date() > deadline { return false }
            usleep(20_000)
        }
        return true
    }

    // MARK: Reading profiles back

    static func folded(_ profile: Profile) -> String {
        String(decoding: FoldedWriter.write(profile), as: UTF8.self)
    }

    /// The share of the total weight in stacks that hold a frame for which `matches` is true.
    static func share(_ profile: Profile, where matches: (String) -> Bool) -> Double {
        let total = profile.totalWeight
        guard total > 0 else { return 0 }
        var hit = 0.0
        for leaf in profile.leafNodes() where profile.frames(leaf).contains(where: matches) {
            hit += profile.selfWeight[Int(leaf)]
        }
        return hit / total
    }

    /// Checks a V8 profile of the `hotLoop`/`coldLoop` workload against the file read independently
    /// (with `JSONSerialization`): one count per sample, and with `weightByTime` the time from the first
    /// sample to `endTime`. Returns the shares of the two functions.
    static func checkV8Profile(
        _ bytes: [UInt8], _ profile: Profile, name: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (hot: Double, cold: Double) {
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        // Bun writes endTime with a fraction: read every number as a Double.
        func numbers(_ key: String) throws -> [Double] {
            try XCTUnwrap((json[key] as? [NSNumber])?.map(\.doubleValue), "\(name): \(key)")
        }
        func number(_ key: String) throws -> Double {
            try XCTUnwrap((json[key] as? NSNumber)?.doubleValue, "\(name): \(key)")
        }
        let samples = try numbers("samples")
        let deltas = try numbers("timeDeltas")
        let start = try number("startTime")
        let end = try number("endTime")
        XCTAssertEqual(profile.unit, .samples, name, file: file, line: line)
        XCTAssertEqual(
            profile.totalWeight, Double(samples.count), "\(name): one count per sample", file: file, line: line)

        var options = CPUProfileOptions()
        options.weightByTime = true
        let (timed, _) = try CPUProfileDecoder.decode(bytes, sourceName: name, options: options)
        XCTAssertEqual(timed.unit, .microseconds, name, file: file, line: line)
        let span = end - start
        if deltas.allSatisfy({ $0 >= 0 }) && deltas.reduce(0, +) <= span {
            // Everything from the first sample to endTime: the span less the gap before the first sample.
            XCTAssertEqual(timed.totalWeight, span - deltas[0], accuracy: 1, name, file: file, line: line)
        }
        XCTAssertEqual(timed.totalWeight, span, accuracy: span * 0.05, name, file: file, line: line)

        options.dropIdle = true
        if let (busy, _) = try? CPUProfileDecoder.decode(bytes, sourceName: name, options: options) {
            XCTAssertLessThanOrEqual(busy.totalWeight, timed.totalWeight, name, file: file, line: line)
            let text = folded(busy)
            for idle in ["(idle)", "(program)", "(garbage collector)"] {
                XCTAssertFalse(text.contains(idle), "\(name): \(idle) left", file: file, line: line)
            }
        }
        let hot = share(profile) { $0 == "hotLoop (workload.js:2)" }
        let cold = share(profile) { $0 == "coldLoop (workload.js:3)" }
        return (hot, cold)
    }

    /// For a speedscope file of evented profiles (seconds) in which one frame stays open from each
    /// profile's first event to its last: the decoded total is the sum of those spans, in microseconds.
    static func checkEventedSpan(
        _ bytes: [UInt8], _ profile: Profile, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let profiles = try XCTUnwrap(json["profiles"] as? [[String: Any]])
        var span = 0.0
        var events = 0
        for p in profiles {
            XCTAssertEqual(p["type"] as? String, "evented", file: file, line: line)
            XCTAssertEqual(p["unit"] as? String, "seconds", file: file, line: line)
            let times = try XCTUnwrap(p["events"] as? [[String: Any]]).compactMap {
                ($0["at"] as? NSNumber)?.doubleValue
            }
            span += ((times.last ?? 0) - (times.first ?? 0)) * 1e6
            events += times.count
        }
        XCTAssertGreaterThan(span, 0, file: file, line: line)
        // Each interval is rounded to a thousandth of a microsecond.
        XCTAssertEqual(profile.totalWeight, span, accuracy: Double(events) * 0.001, file: file, line: line)
    }

    /// Decoding either succeeds or throws a bad-input `FlameGraphError`; anything else fails the test.
    static func assertBadInputOrSuccess(
        _ body: () throws -> Void, _ context: @autoclosure () -> String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        do {
            try body()
        } catch let error as FlameGraphError {
            XCTAssertEqual(error.kind, .badInput, "\(context()): \(error.message)", file: file, line: line)
            XCTAssertFalse(error.message.isEmpty, context(), file: file, line: line)
        } catch {
            XCTFail("\(context()): unexpected error \(error)", file: file, line: line)
        }
    }

    /// The message of the bad-input error `body` throws (fails the test if it does not).
    static func badInputMessage(
        _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line
    ) -> String {
        do {
            try body()
            XCTFail("expected a bad-input error", file: file, line: line)
        } catch let error as FlameGraphError {
            XCTAssertEqual(error.kind, .badInput, error.message, file: file, line: line)
            return error.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return ""
    }
}
