/// A small demangler for Swift symbols (`$s…`, Swift 5+; `$S…`, Swift 4.2; `_$s…` as on Darwin),
/// written for flame graphs: it names the *declaration* a frame belongs to, as
/// `Module.Type.method(label:_:)`, `Module.Type.property.getter`, `closure #1 in Module.f()`,
/// `specialized …` — and leaves out parameter and result types, generic signatures and private
/// discriminators, which only make frames wider.
///
/// It understands the common part of the mangling grammar (identifiers with word substitutions,
/// substitutions, standard types, nominal types, extensions, functions, initializers, accessors,
/// closures, tuples, function types, generics, and the specialization/thunk suffixes). Anything
/// else makes it give up: `demangle` then returns `nil` and the caller keeps the symbol as it was.
public enum SwiftDemangler {
    /// The readable name of a mangled Swift symbol, or `nil` when `symbol` is not one (or uses
    /// parts of the mangling this demangler does not handle).
    public static func demangle(_ symbol: String) -> String? {
        demangle(Array(symbol.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Byte-level entry point used by the perf converter. `qualifyModules: false` leaves module names
    /// out, as `swift demangle --simplified` does (the tests compare with it that way).
    static func demangle(_ bytes: [UInt8], qualifyModules: Bool = true) -> [UInt8]? {
        var start = 0
        if bytes.count > 1 && bytes[0] == UInt8(ascii: "_") && bytes[1] == UInt8(ascii: "$") { start = 1 }
        guard bytes.count >= start + 3, bytes[start] == UInt8(ascii: "$"),
            bytes[start + 1] == UInt8(ascii: "s") || bytes[start + 1] == UInt8(ascii: "S")
        else { return nil }
        // Symbols are ASCII; anything else is not ours.
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        var parser = Parser(text: Array(bytes[(start + 2)...]))
        parser.qualifyModules = qualifyModules
        guard let text = parser.run() else { return nil }
        return Array(text.utf8)
    }

    // MARK: - Nodes

    /// What sits on the parser's stack. Types are kept only as far as the printer needs them:
    /// nominal types by name (they also serve as contexts), other types by their tuple arity.
    indirect enum Node {
        case identifier(String)
        case privateName(String)
        /// A nominal type or protocol: its printed path (`SIL.Instruction`).
        case nominal(String)
        /// An extension of a nominal type, as a context (printed as the type; never a class context).
        case extensionOf(String)
        /// Any other type; `arity` is its element count when it is a tuple, else nil.
        case type(arity: Int?)
        /// A function type, with its parameter count.
        case functionType(params: Int)
        case emptyList
        case firstElement
        /// `throws`, `async`, `@Sendable`… on a function type.
        case modifier
        case requirement
        case genericSignature
        /// A finished declaration, printed.
        case entity(String)
        /// A `var`/subscript waiting for its accessor letter, printed.
        case storage(String)
    }

    static let standardTypes: [UInt8: String] = {
        let table: [(Character, String)] = [
            ("a", "Array"), ("b", "Bool"), ("c", "UnicodeScalar"), ("D", "Dictionary"), ("d", "Double"),
            ("f", "Float"), ("h", "Set"), ("I", "DefaultIndices"), ("i", "Int"), ("J", "Character"),
            ("N", "ClosedRange"), ("n", "Range"), ("O", "ObjectIdentifier"), ("P", "UnsafePointer"),
            ("p", "UnsafeMutablePointer"), ("R", "UnsafeBufferPointer"), ("r", "UnsafeMutableBufferPointer"),
            ("S", "String"), ("s", "Substring"), ("u", "UInt"), ("V", "UnsafeRawPointer"),
            ("v", "UnsafeMutableRawPointer"), ("W", "UnsafeRawBufferPointer"),
            ("w", "UnsafeMutableRawBufferPointer"), ("q", "Optional"), ("B", "BinaryFloatingPoint"),
            ("E", "Encodable"), ("e", "Decodable"), ("F", "FloatingPoint"), ("G", "RandomNumberGenerator"),
            ("H", "Hashable"), ("j", "Numeric"), ("K", "BidirectionalCollection"),
            ("k", "RandomAccessCollection"), ("L", "Comparable"), ("l", "Collection"),
            ("M", "MutableCollection"), ("m", "RangeReplaceableCollection"), ("Q", "Equatable"),
            ("T", "Sequence"), ("t", "IteratorProtocol"), ("U", "UnsignedInteger"), ("X", "RangeExpression"),
            ("x", "Strideable"), ("Y", "RawRepresentable"), ("y", "StringProtocol"), ("Z", "SignedInteger"),
            ("z", "BinaryInteger"),
        ]
        var out: [UInt8: String] = [:]
        for (c, name) in table { out[c.asciiValue!] = name }
        return out
    }()

    static let concurrencyTypes: [UInt8: String] = {
        let table: [(Character, String)] = [
            ("A", "Actor"), ("C", "CheckedContinuation"), ("c", "UnsafeContinuation"),
            ("E", "CancellationError"), ("e", "UnownedSerialExecutor"), ("F", "Executor"),
            ("f", "SerialExecutor"), ("G", "TaskGroup"), ("g", "ThrowingTaskGroup"),
            ("I", "AsyncIteratorProtocol"), ("i", "AsyncSequence"), ("J", "UnownedJob"),
            ("M", "MainActor"), ("P", "TaskPriority"), ("S", "AsyncStream"),
            ("s", "AsyncThrowingStream"), ("T", "Task"), ("t", "UnsafeCurrentTask"),
        ]
        var out: [UInt8: String] = [:]
        for (c, name) in table { out[c.asciiValue!] = name }
        return out
    }()
}
