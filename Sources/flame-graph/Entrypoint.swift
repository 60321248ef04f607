import FlameGraphCommands

/// The executable is a trampoline: everything, including exit-status mapping, lives in the library so
/// tests can run commands in-process (`FlameGraphCLI.run(arguments, context:)`).
@main
enum Entrypoint {
    static func main() {
        FlameGraphCLI.main()
    }
}
