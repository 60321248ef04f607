/// Recoverable problems found while reading or drawing: collected, deduplicated, and reported once
/// each by the command layer (a profile with 3 bad lines in a million still renders).
public struct Diagnostics: Sendable {
    public private(set) var warnings: [String] = []

    public init() {}

    /// Records `message` unless the same message was already recorded.
    public mutating func warn(_ message: String) {
        if !warnings.contains(message) { warnings.append(message) }
    }

    public mutating func merge(_ other: Diagnostics) {
        for w in other.warnings { warn(w) }
    }
}
