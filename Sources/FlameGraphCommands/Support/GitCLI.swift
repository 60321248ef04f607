import FlameGraphCore
import Foundation

/// The git command line, for transport only (`fetch`, `push`, removing the private tracking ref).
enum GitCLI {
    struct Result {
        var status: Int32
        var stderr: String
    }

    static func run(_ arguments: [String], in directory: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let err = Pipe()
        process.standardError = err
        do { try process.run() } catch {
            throw FlameGraphError(.unavailable, "cannot run git (is it installed?): \(error.localizedDescription)")
        }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stderr: String(decoding: data, as: UTF8.self))
    }

    /// A push lost a race: the remote ref moved since the fetch.
    static func isRace(_ stderr: String) -> Bool {
        ["non-fast-forward", "fetch first", "rejected", "cannot lock ref", "failed to update ref"].contains {
            stderr.contains($0)
        }
    }

    /// The last line git printed, with any URL credentials removed.
    static func lastLine(_ stderr: String) -> String {
        let line = stderr.split(separator: "\n").last.map(String.init) ?? "no message"
        return BaselineHygiene.scrubCredentials(line)
    }
}
