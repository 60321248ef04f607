/// A small, strict JSON reader for the JSON profile importers (V8 `.cpuprofile`, speedscope).
///
/// Why not `JSONSerialization`: errors here name the byte offset where the input went wrong (a
/// truncated 200 MB profile says *where*), nesting depth is bounded (no stack overflow on `[[[[…`),
/// numbers stay `Double` without bridging, and arrays of plain numbers — the bulk of every profile
/// (`samples`, `timeDeltas`, speedscope stacks) — are stored flat as `[Double]`.
///
/// Everything is namespaced under `JSONImport` so it cannot collide with other importers' helpers.
enum JSONImport {
    /// A parsed JSON value.
    enum Value {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        /// An array holding at least one non-number, with the byte offset of its `[`.
        case array([Value], offset: Int)
        /// An array whose elements are all numbers (or that is empty), with the byte offset of its `[`.
        case numbers([Double], offset: Int)
        case object(Object)

        var object: Object? {
            if case .object(let o) = self { return o }
            return nil
        }

        var string: String? {
            if case .string(let s) = self { return s }
            return nil
        }

        var number: Double? {
            if case .number(let d) = self { return d }
            return nil
        }

        /// The elements of any array (number arrays are widened).
        var array: [Value]? {
            switch self {
            case .array(let a, _): return a
            case .numbers(let n, _): return n.map { .number($0) }
            default: return nil
            }
        }

        /// The elements of an array of numbers only.
        var numbers: [Double]? {
            if case .numbers(let n, _) = self { return n }
            return nil
        }

        /// Byte offset of an array or object, when known.
        var offset: Int? {
            switch self {
            case .array(_, let o), .numbers(_, let o): return o
            case .object(let o): return o.offset
            default: return nil
            }
        }

        /// What kind of value this is, for error messages.
        var kindName: String {
            switch self {
            case .null: return "null"
            case .bool: return "a boolean"
            case .number: return "a number"
            case .string: return "a string"
            case .array, .numbers: return "an array"
            case .object: return "an object"
            }
        }
    }

    /// A JSON object: keys and values in input order. Lookup is linear (profile objects have a handful
    /// of keys); with duplicate keys the last one wins, as most readers do.
    struct Object {
        var keys: [String] = []
        var values: [Value] = []
        /// Byte offset of the `{`.
        var offset: Int

        subscript(key: String) -> Value? {
            var i = keys.count - 1
            while i >= 0 {
                if keys[i] == key { return values[i] }
                i -= 1
            }
            return nil
        }
    }

    struct SyntaxError: Error {
        var offset: Int
        var message: String
        var description: String { "\(message) at byte \(offset)" }
    }

    /// Deepest nesting of arrays and objects accepted.
    static let maxDepth = 512

    /// Parses one JSON document (an optional UTF-8 byte order mark, one value, then only whitespace).
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> Value {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var parser = Parser(bytes: buffer)
                return try parser.document()
            }
        } catch let error as SyntaxError {
            throw error
        } catch {
            throw SyntaxError(offset: 0, message: "unexpected error \(error)")
        }
    }

    /// Whether `d` is a whole number that a `Double` represents exactly (|d| ≤ 2^53).
    static func isExactInteger(_ d: Double) -> Bool {
        d == d.rounded() && abs(d) <= 9_007_199_254_740_992
    }
}

extension JSONImport {
    /// Makes `name` safe as one frame of a folded stack: `;` separates frames there, so it becomes
    /// `:`, and a line break would end the line, so CR and LF become spaces. Every frame name the JSON
    /// importers produce goes through this.
    static func foldedSafe(_ name: String) -> String {
        var needs = false
        for b in name.utf8 where b == 0x3B || b == 0x0A || b == 0x0D {
            needs = true
            break
        }
        guard needs else { return name }
        var bytes = Array(name.utf8)
        for k in bytes.indices {
            switch bytes[k] {
            case 0x3B: bytes[k] = 0x3A
            case 0x0A, 0x0D: bytes[k] = 0x20
            default: break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The last path component of a file path or URL (query and fragment removed), or the whole text
    /// when there is none (`node:fs`, `https://host/`).
    static func baseName(_ path: String) -> String {
        var p = Substring(path)
        if p.contains("://") {
            if let q = p.firstIndex(where: { $0 == "?" || $0 == "#" }) { p = p[..<q] }
        }
        if let slash = p.lastIndex(where: { $0 == "/" || $0 == "\\" }) {
            let tail = p[p.index(after: slash)...]
            if !tail.isEmpty { return String(tail) }
            return path
        }
        return String(p)
    }
}
