import FlameGraphCapture
import FlameGraphCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a command may see of the world outside its arguments: where its output and messages go, the
/// clock, the environment and the working directory. `FlameGraphCLI.run(_:context:)` sets it for one
/// command line; the executable runs with `.process` (the real ones). Tests inject sinks that collect,
/// a fixed date, a chosen environment and a temporary working directory, and run commands in-process.
public struct CLIContext: Sendable {
    /// Receives bytes; must be safe to call from any thread (the signal thread prints notices).
    public typealias Sink = @Sendable ([UInt8]) -> Void
    /// Receives an output's bytes; throws `FlameGraphError(.cannotCreate)` when they cannot be written.
    public typealias OutputSink = @Sendable ([UInt8]) throws -> Void

    /// Standard output (`--output -`, help text).
    public var stdout: OutputSink
    /// Standard error: warnings, errors, the summary line, the progress line.
    public var stderr: Sink
    /// Whether stderr is a terminal (the progress line is drawn only then).
    public var stderrIsTerminal: Bool
    /// `KEY=value` entries: credentials (`RESQ_API_KEY`, `RESQ_TOKEN`), `NO_COLOR`, `TERM`, `TMPDIR`,
    /// `PATH`, and what profilers run with.
    public var environmentEntries: [String]
    /// Relative paths are resolved against it; nil: the process's current directory.
    public var workingDirectory: String?
    /// Today's date (UTC, `YYYY-MM-DD`), for acknowledgement expiry.
    public var today: @Sendable () -> String
    /// The command line after the program name (set by `run`; a saved baseline records it, redacted).
    public var arguments: [String] = []

    public init(
        stdout: @escaping OutputSink, stderr: @escaping Sink, stderrIsTerminal: Bool = false,
        environment: [String: String], workingDirectory: String? = nil,
        today: @escaping @Sendable () -> String = Clock.systemTodayUTC
    ) {
        self.stdout = stdout
        self.stderr = stderr
        self.stderrIsTerminal = stderrIsTerminal
        environmentEntries = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        self.workingDirectory = workingDirectory
        self.today = today
    }

    /// The real process: file descriptors 1 and 2, its environment, its directory, the system clock.
    public static var process: CLIContext {
        var context = CLIContext(
            stdout: { try writeOut($0) }, stderr: { writeAll(2, $0) }, stderrIsTerminal: isatty(2) == 1,
            environment: [:])
        context.environmentEntries = ProcessEnvironment.current()
        return context
    }

    /// The value of `name`, if set.
    public func value(_ name: String) -> String? {
        let prefix = name + "="
        return environmentEntries.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// The context of the command line running now (task-local: concurrent in-process runs do not mix).
    @TaskLocal public static var current: CLIContext = .process

    /// File descriptor 1; a closed pipe (`| head`) is not an error, anything else is.
    private static func writeOut(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(1, buf.baseAddress! + off, buf.count - off)
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno == EPIPE { return }
                if n <= 0 {
                    throw FlameGraphError(
                        .cannotCreate, "cannot write standard output: \(String(cString: strerror(errno)))")
                }
                off += n
            }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                off += n
            }
        }
    }
}

/// A sink that keeps what it receives, for tests and callers that want a command's output as text.
public final class CollectedOutput: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    public init() {}

    public var sink: CLIContext.Sink { { [self] chunk in bytes.withLock { $0.append(contentsOf: chunk) } } }
    public var data: [UInt8] { bytes.withLock { $0 } }
    public var text: String { String(decoding: data, as: UTF8.self) }
}
