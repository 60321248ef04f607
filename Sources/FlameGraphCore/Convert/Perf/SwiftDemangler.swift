/// Placeholder, replaced below.
public enum SwiftDemangler {
    public static func demangle(_ symbol: String) -> String? { nil }
    static func demangle(_ bytes: [UInt8]) -> [UInt8]? { nil }
}
