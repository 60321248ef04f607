import ArgumentParser
import FlameGraphCore

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
            HceCommand.self, MemoryCommand.self, ExplainCommand.self, GateCommand.self, CommentCommand.self,
        ]
    )
}

public enum FlameGraphCLI {
    public static let version = "0.1.0"

    /// Runs the command line and exits with its status.
    public static func main() async {
        let status = await run(Array(CommandLine.arguments.dropFirst()))
        exit(status)
    }

    /// Runs one command line in-process and returns its exit status (tests call this).
    public static func run(_ arguments: [String]) async -> Int32 {
        do {
            var command = try FlameGraphRoot.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return ExitStatus.success
        } catch let error as FlameGraphError {
            Console.error(error.message)
            if error.kind == .internal {
                Console.writeErr("flame-graph: this is a bug; please report it with the command line\n")
            }
            return ExitStatus.code(for: error.kind)
        } catch let exit as CommandExit {
            return exit.status
        } catch {
            let code = FlameGraphRoot.exitCode(for: error)
            let message = FlameGraphRoot.fullMessage(for: error)
            if !message.isEmpty {
                if code == .success {
                    print(message)
                } else {
                    Console.writeErr(message + "\n")
                }
            }
            return code.rawValue
        }
    }
}
