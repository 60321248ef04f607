import FlameGraphCore

/// Exit statuses, as `cli.md` defines them for every subcommand.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let regression: Int32 = 1
    public static let usage: Int32 = 64
    public static let badInput: Int32 = 65
    public static let notFound: Int32 = 66
    public static let unavailable: Int32 = 69
    public static let internalError: Int32 = 70
    public static let cannotCreate: Int32 = 73
    public static let interrupted: Int32 = 130

    static func code(for kind: FlameGraphError.Kind) -> Int32 {
        switch kind {
        case .usage: return usage
        case .badInput: return badInput
        case .notFound: return notFound
        case .unavailable: return unavailable
        case .cannotCreate: return cannotCreate
        case .internal: return internalError
        }
    }
}

/// Thrown by a command that finished its work but wants a non-zero status (a gate's regression).
struct CommandExit: Error {
    var status: Int32
}
