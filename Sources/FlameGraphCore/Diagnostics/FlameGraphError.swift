/// What went wrong, in the categories that decide the exit status (see `docs/` and `cli.md`).
///
/// Core throws these; the command layer maps `kind` to an exit code and prints `message` as one line.
public struct FlameGraphError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Bad usage: unknown or conflicting flags (64).
        case usage
        /// Bad input data: malformed profile, no samples, unknown format (65).
        case badInput
        /// A file or baseline that was asked for does not exist (66).
        case notFound
        /// A profiler, endpoint or process is unavailable (69).
        case unavailable
        /// Cannot create or write an output file (73).
        case cannotCreate
        /// A bug (70).
        case `internal`
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
