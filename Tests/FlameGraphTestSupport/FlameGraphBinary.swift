import Foundation

/// Runs the built `flame-graph` executable (a sibling of the test bundle) and captures its output.
public enum FlameGraphBinary {
    public static var path: String {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            let candidate = url.deletingLastPathComponent().appendingPathComponent("flame-graph")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            url.deleteLastPathComponent()
        }
        return PeerCases.packageRoot + "/.build/debug/flame-graph"
    }

    public struct Result {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
    }

    /// Runs the tool with `arguments`, in `directory`, feeding `stdin`; stops it after `timeout` seconds
    /// (a hang is then a failed run with status -1, not a stuck test).
    public static func run(
        _ arguments: [String], in directory: String? = nil, stdin: Data? = nil, timeout: TimeInterval = 300
    ) throws -> Result {
        let r = try TestProcess.run(path, arguments, in: directory, timeout: timeout, stdin: stdin)
        return Result(status: r.status, stdout: r.stdoutData, stderr: r.stderr)
    }
}
