import FlameGraphCommands

/// The executable is a trampoline: everything, including exit-status mapping, lives in the library so
/// tests can run commands in-process.
@main
enum Entrypoint {
    static func main() async {
        await FlameGraphCLI.main()
    }
}
