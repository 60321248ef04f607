/// Caps on what is read from the network, so that a hostile or broken peer cannot make us buffer
/// without bound. Raised through the environment (the error that hits a cap names its variable), so
/// every command that talks to a service honours them without a flag of its own.
public struct NetworkLimits: Sendable, Equatable {
    /// Most bytes of one profile answer: an HTTP body (after `Content-Encoding` is undone) or a
    /// WebSocket message.
    public var profileBytes: Int
    /// Most bytes of an inspector's `/json/list` discovery answer.
    public var discoveryBytes: Int

    public static let profileVariable = "FLAME_GRAPH_MAX_PROFILE_MB"
    public static let discoveryVariable = "FLAME_GRAPH_MAX_DISCOVERY_KB"

    public init(profileBytes: Int = 512 << 20, discoveryBytes: Int = 1 << 20) {
        self.profileBytes = profileBytes
        self.discoveryBytes = discoveryBytes
    }

    /// The defaults, overridden by `FLAME_GRAPH_MAX_PROFILE_MB` and `FLAME_GRAPH_MAX_DISCOVERY_KB`
    /// (positive integers; anything else keeps the default).
    public static var current: NetworkLimits {
        var limits = NetworkLimits()
        if let mb = ProcessEnvironment.value(profileVariable).flatMap(Int.init), mb > 0, mb < 1 << 20 {
            limits.profileBytes = mb << 20
        }
        if let kb = ProcessEnvironment.value(discoveryVariable).flatMap(Int.init), kb > 0, kb < 1 << 30 {
            limits.discoveryBytes = kb << 10
        }
        return limits
    }

    /// `512 MB`, `1 MB`, `64 KB`: a cap in words.
    static func describe(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MB" : "\(bytes >> 10) KB"
    }

    /// The sentence for an answer larger than `limit`, naming the variable that raises it.
    static func exceeded(_ what: String, limit: Int, variable: String) -> String {
        "\(what) is larger than \(describe(limit)), the limit (raise it with the environment variable \(variable))"
    }
}
