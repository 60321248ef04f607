import ArgumentParser
import FlameGraphCapture
import FlameGraphCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The root command: one subcommand per file under `Subcommands/`.
struct FlameGraphRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flame-graph",
        abstract: "Capture CPU profiles, draw interactive flame graphs, and gate CI on CPU regressions.",
        discussion: """
            Exit status: 0 success, 1 regression over threshold, 64 bad usage, 65 bad input data,
            66 input not found, 69 profiler/service unavailable, 70 internal error, 73 cannot write output,
            130 interrupted.
            """,
        version: FlameGraphCLI.version,
        subcommands: [
            FileCommand.self, HotColdCommand.self, CollapseCommand.self, DiffCommand.self, BaselineCommand.self,
            PerfCommand.self, PythonCommand.self, PdieCommand.self, OffCPUCommand.self, ApiCommand.self,
            HceCommand.self, MemoryCommand.self, ExplainCommand.self,
        ]
    )
}

public enum FlameGraphCLI {
    public static let version = "0.1.0"

    /// Runs the command line and exits with its status.
    public static func main() {
        let status = run(Array(CommandLine.arguments.dropFirst()))
        exit(status)
    }

    /// Runs one command line in-process and returns its exit status: what the executable does, with
    /// its output, messages, clock, environment and working directory taken from `context`. Synchronous
    /// (every command is): tests call it from any thread.
    public static func run(_ arguments: [String], context: CLIContext = .process) -> Int32 {
        var context = context
        context.arguments = arguments
        return CLIContext.$current.withValue(context) {
            WorkingDirectory.within(context.workingDirectory) { runHere(arguments) }
        }
    }

    private static func runHere(_ arguments: [String]) -> Int32 {
        do {
            var command = try FlameGraphRoot.parseAsRoot(arguments)
            try command.run()
            return ExitStatus.success
        } catch let error as FlameGraphError {
            Console.error(error.message)
            if error.kind == .internal {
                Console.writeErr("flame-graph: this is a bug; please report it with the command line\n")
            }
            return ExitStatus.code(for: error.kind)
        } catch let exit as CommandExit {
            return exit.status
        } catch is CaptureInterrupted {
            return ExitStatus.interrupted
        } catch {
            let code = FlameGraphRoot.exitCode(for: error)
            let message = FlameGraphRoot.fullMessage(for: error)
            if !message.isEmpty {
                if code == .success {
                    Console.writeOut(message + "\n")
                } else {
                    Console.writeErr(message + "\n")
                }
            }
            return code.rawValue
        }
    }
}

/// The working directory of an in-process run: the process has one, so runs that ask for another are
/// serialised and the previous directory is restored afterwards.
enum WorkingDirectory {
    private static let lock = Mutex(())

    static func within(_ directory: String?, _ body: () -> Int32) -> Int32 {
        guard let directory else { return body() }
        return lock.withLock { _ in
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let previous = getcwd(&buffer, buffer.count).map { _ in
                String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            guard chdir(directory) == 0 else {
                Console.error("cannot change to the working directory \(directory): \(InputFile.describe(errno))")
                return ExitStatus.notFound
            }
            defer { if let previous { _ = chdir(previous) } }
            return body()
        }
    }
}
