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

    /// Byte-level entry point used by the perf converter.
    static func demangle(_ bytes: [UInt8]) -> [UInt8]? {
        var start = 0
        if bytes.count > 1 && bytes[0] == UInt8(ascii: "_") && bytes[1] == UInt8(ascii: "$") { start = 1 }
        guard bytes.count >= start + 3, bytes[start] == UInt8(ascii: "$"),
            bytes[start + 1] == UInt8(ascii: "s") || bytes[start + 1] == UInt8(ascii: "S")
        else { return nil }
        // Symbols are ASCII; anything else is not ours.
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        var parser = Parser(text: Array(bytes[(start + 2)...]))
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

    // MARK: - Parser

    struct Parser {
        let text: [UInt8]
        var pos = 0
        var stack: [Node] = []
        var substitutions: [Node] = []
        var words: [String] = []
        /// Prefixes from thunk/specialization suffixes (`specialized `, `@objc `…).
        var prefix = ""

        init(text: [UInt8]) { self.text = text }

        var atEnd: Bool { pos >= text.count }
        func peek() -> UInt8 { pos < text.count ? text[pos] : 0 }
        mutating func next() -> UInt8 {
            guard pos < text.count else { return 0 }
            pos += 1
            return text[pos - 1]
        }
        mutating func nextIf(_ c: Character) -> Bool {
            if peek() == c.asciiValue! {
                pos += 1
                return true
            }
            return false
        }

        static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        static func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
        static func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }

        /// Runs to the end; returns the printed declaration or nil.
        mutating func run() -> String? {
            var steps = 0
            while !atEnd {
                steps += 1
                if steps > 10_000 { return nil }
                if peek() == UInt8(ascii: "T") {
                    // Thunks and specializations describe the declaration already parsed.
                    switch stack.first {
                    case .entity?, .storage?: break
                    default: return nil
                    }
                    readSuffixes()
                    break
                }
                guard step() else { return nil }
            }
            let name: String
            switch stack.first {
            case .entity(let n)?, .storage(let n)?: name = n
            default: return nil
            }
            if stack.count > 1 && prefix.isEmpty { return nil }
            return prefix + name
        }

        /// The flags of the `T…` suffixes, read loosely: the rest of the symbol is all suffixes.
        mutating func readSuffixes() {
            let rest = text[pos...]
            var specialized = false
            var objc = false
            var partial = false
            var thunk = ""
            var i = rest.startIndex
            while i + 1 < rest.endIndex {
                if rest[i] == UInt8(ascii: "T") {
                    switch rest[i + 1] {
                    case UInt8(ascii: "g"), UInt8(ascii: "G"), UInt8(ascii: "f"), UInt8(ascii: "s"),
                        UInt8(ascii: "i"), UInt8(ascii: "p"), UInt8(ascii: "P"):
                        specialized = true
                    case UInt8(ascii: "o"): objc = true
                    case UInt8(ascii: "A"): partial = true
                    case UInt8(ascii: "j"): thunk = "dispatch thunk of "
                    case UInt8(ascii: "q"): thunk = "method descriptor for "
                    case UInt8(ascii: "W"): thunk = "protocol witness for "
                    default: break
                    }
                }
                i += 1
            }
            pos = text.count
            if partial { prefix += "partial apply for " }
            prefix += thunk
            if objc { prefix += "@objc " }
            if specialized { prefix += "specialized " }
        }

        // MARK: Operators

        mutating func step() -> Bool {
            let c = next()
            if Self.isDigit(c) {
                pos -= 1
                guard let name = identifier() else { return false }
                push(.identifier(name), substitutable: true)
                return true
            }
            switch c {
            case UInt8(ascii: "A"): return substitution()
            case UInt8(ascii: "S"): return standard()
            case UInt8(ascii: "s"):
                stack.append(.identifier("Swift"))
                return true
            case UInt8(ascii: "C"), UInt8(ascii: "V"), UInt8(ascii: "O"), UInt8(ascii: "P"),
                UInt8(ascii: "a"):
                guard let name = popName(), let context = popContext() else { return false }
                push(.nominal(context + "." + name), substitutable: true)
                return true
            case UInt8(ascii: "E"): return extensionContext()
            case UInt8(ascii: "y"):
                stack.append(.emptyList)
                return true
            case UInt8(ascii: "_"):
                stack.append(.firstElement)
                return true
            case UInt8(ascii: "t"): return tuple()
            case UInt8(ascii: "c"): return functionType()
            case UInt8(ascii: "X"): return specialType()
            case UInt8(ascii: "K"):
                stack.append(.modifier)
                return true
            case UInt8(ascii: "Y"):
                guard next() != 0 else { return false }
                stack.append(.modifier)
                return true
            case UInt8(ascii: "z"), UInt8(ascii: "n"), UInt8(ascii: "h"), UInt8(ascii: "d"),
                UInt8(ascii: "m"), UInt8(ascii: "p"):
                // inout, __owned, __shared, variadic, metatype, existential: a type stays a type.
                // (`p` closes a protocol list whose members are plain context+name pairs.)
                if c == UInt8(ascii: "p") { return existential() }
                guard popType() != nil else { return false }
                stack.append(.type(arity: nil))
                return true
            case UInt8(ascii: "x"):
                push(.type(arity: nil), substitutable: false)
                return true
            case UInt8(ascii: "q"):
                guard genericParameterIndex() else { return false }
                push(.type(arity: nil), substitutable: true)
                return true
            case UInt8(ascii: "Q"): return associatedType()
            case UInt8(ascii: "G"): return boundGeneric()
            case UInt8(ascii: "R"): return requirement()
            case UInt8(ascii: "r"):
                // Generic parameter counts: `r`, `r_`, `r0_`, `rz`…
                if nextIf("z") { return true }
                if peek() == UInt8(ascii: "_") || Self.isDigit(peek()) { return index() != nil }
                return true
            case UInt8(ascii: "l"): return genericSignature()
            case UInt8(ascii: "u"):
                // A generic function type: signature + function type.
                guard case .genericSignature = stack.popLast(), let type = popType() else { return false }
                stack.append(type)
                return true
            case UInt8(ascii: "L"):
                if nextIf("l") {
                    // `discriminator Ll`: the private discriminator of an unnamed declaration.
                    guard case .identifier = stack.popLast() else { return false }
                    return true
                }
                // `name discriminator LL`: a private declaration name.
                guard nextIf("L"), case .identifier = stack.popLast(), let name = popName() else {
                    return false
                }
                stack.append(.privateName(name))
                return true
            case UInt8(ascii: "F"): return function()
            case UInt8(ascii: "v"): return storage(kind: "")
            case UInt8(ascii: "i"): return storage(kind: "subscript")
            case UInt8(ascii: "f"): return functionLike()
            case UInt8(ascii: "Z"):
                switch stack.popLast() {
                case .entity(let name)?: stack.append(.entity("static " + name))
                case .storage(let name)?: stack.append(.storage("static " + name))
                default: return false
                }
                return true
            case UInt8(ascii: "o"):
                // `name oi` / `op` / `oP`: an operator, its characters spelled as letters.
                guard let kind = Optional(next()),
                    kind == UInt8(ascii: "i") || kind == UInt8(ascii: "p")
                        || kind == UInt8(ascii: "P"),
                    case .identifier(let letters) = stack.popLast()
                else { return false }
                stack.append(.identifier(Self.operatorName(letters)))
                return true
            case UInt8(ascii: "W"), UInt8(ascii: "M"):
                return false  // witness tables, metadata: not frames we name
            default:
                return false
            }
        }

        static func operatorName(_ letters: String) -> String {
            let map: [Character: Character] = [
                "a": "&", "c": "@", "d": "/", "e": "=", "g": ">", "l": "<", "m": "*", "n": "!", "o": "|",
                "p": "+", "q": "?", "r": "%", "s": "-", "t": "~", "x": "^", "z": ".",
            ]
            return String(letters.map { map[$0] ?? $0 })
        }

        mutating func push(_ node: Node, substitutable: Bool) {
            stack.append(node)
            if substitutable { substitutions.append(node) }
        }

        /// A decimal number, or nil when there is none.
        mutating func natural() -> Int? {
            guard Self.isDigit(peek()) else { return nil }
            var n = 0
            while Self.isDigit(peek()) {
                n = n &* 10 &+ Int(next() - 0x30)
                if n > 1_000_000 { return nil }
            }
            return n
        }

        /// `_` → 0, `N_` → N + 1.
        mutating func index() -> Int? {
            if nextIf("_") { return 0 }
            guard let n = natural(), nextIf("_") else { return nil }
            return n + 1
        }

        /// `<n>chars`, or `0` + word substitutions mixed with literal parts.
        mutating func identifier() -> String? {
            var usesWords = false
            if peek() == UInt8(ascii: "0") {
                pos += 1
                if peek() == UInt8(ascii: "0") { return nil }  // punycode: not handled
                usesWords = true
            }
            var out = ""
            repeat {
                while usesWords, Self.isLower(peek()) || Self.isUpper(peek()) {
                    let c = next()
                    let k = Int(Self.isLower(c) ? c - UInt8(ascii: "a") : c - UInt8(ascii: "A"))
                    if Self.isUpper(c) { usesWords = false }
                    guard k < words.count else { return nil }
                    out += words[k]
                }
                if nextIf("0") { break }
                guard let n = natural(), n > 0, pos + n <= text.count else { return nil }
                let literal = Array(text[pos..<(pos + n)])
                pos += n
                out += String(decoding: literal, as: UTF8.self)
                collectWords(literal)
            } while usesWords
            return out
        }

        /// Later identifiers may refer to words (runs starting with a non-digit, non-`_`, ended by
        /// `_` or a lower→upper case change) of earlier ones.
        mutating func collectWords(_ s: [UInt8]) {
            var start = -1
            for i in 0...s.count {
                let c: UInt8 = i < s.count ? s[i] : 0
                if start >= 0 {
                    let prev = s[i - 1]
                    if c == UInt8(ascii: "_") || c == 0 || (!Self.isUpper(prev) && Self.isUpper(c)) {
                        if i - start >= 2 && words.count < 26 {
                            words.append(String(decoding: s[start..<i], as: UTF8.self))
                        }
                        start = -1
                    }
                }
                if start < 0 && c != 0 && c != UInt8(ascii: "_") && !Self.isDigit(c) { start = i }
            }
        }

        /// `A` + (`[a-z]`* with optional repeat counts) + `[A-Z]`, or `A` + `N_`.
        mutating func substitution() -> Bool {
            var repeatCount = 1
            while true {
                let c = next()
                if c == 0 { return false }
                if Self.isLower(c) || Self.isUpper(c) {
                    let k = Int(Self.isLower(c) ? c - UInt8(ascii: "a") : c - UInt8(ascii: "A"))
                    guard k < substitutions.count else { return false }
                    for _ in 0..<repeatCount { stack.append(substitutions[k]) }
                    repeatCount = 1
                    if Self.isUpper(c) { return true }
                    continue
                }
                if c == UInt8(ascii: "_") {
                    let k = repeatCount - 1 + 27
                    guard repeatCount >= 1, k < substitutions.count else { return false }
                    stack.append(substitutions[k])
                    return true
                }
                pos -= 1
                guard let n = natural() else { return false }
                repeatCount = n
            }
        }

        /// `S` + letter: a standard library type; `So`/`SC`: the Clang module; `Sg`: optional.
        mutating func standard() -> Bool {
            var repeatCount = 1
            if let n = natural() { repeatCount = n }
            let c = next()
            var node: Node
            switch c {
            case UInt8(ascii: "o"): node = .identifier("__C")
            case UInt8(ascii: "C"): node = .identifier("__C_Synthesized")
            case UInt8(ascii: "g"):
                guard popType() != nil else { return false }
                node = .type(arity: nil)
            case UInt8(ascii: "c"):
                guard let name = concurrencyTypes[next()] else { return false }
                node = .nominal("Swift." + name)
            default:
                guard let name = standardTypes[c] else { return false }
                node = .nominal("Swift." + name)
            }
            for _ in 0..<repeatCount { stack.append(node) }
            return true
        }

        mutating func extensionContext() -> Bool {
            if case .genericSignature = stack.last { stack.removeLast() }
            guard case .identifier = stack.popLast(), let extended = stack.popLast() else { return false }
            switch extended {
            case .nominal: stack.append(extended)
            default: return false
            }
            return true
        }

        /// `elem _ elem elem t`: pops back to the first-element marker.
        mutating func tuple() -> Bool {
            var count = 0
            while let top = stack.last {
                if case .firstElement = top { break }
                guard popTupleElement() else { return false }
                count += 1
            }
            guard case .firstElement = stack.popLast() else { return false }
            guard popTupleElement() else { return false }
            count += 1
            stack.append(.type(arity: count))
            return true
        }

        /// `type [label]`: a tuple element's label follows its type.
        mutating func popTupleElement() -> Bool {
            if case .identifier = stack.last { stack.removeLast() }
            return popType() != nil
        }

        /// Pops a type: nominal, other type, or an empty list standing for `()`.
        mutating func popType() -> Node? {
            guard let top = stack.last else { return nil }
            switch top {
            case .nominal, .type, .functionType:
                return stack.removeLast()
            default:
                return nil
            }
        }

        /// Pops a parameter or result list: a type, or `y` for `()`.
        mutating func popParams() -> Int? {
            guard let top = stack.last else { return nil }
            switch top {
            case .emptyList:
                stack.removeLast()
                return 0
            case .type(let arity):
                stack.removeLast()
                return arity ?? 1
            case .nominal, .functionType:
                stack.removeLast()
                return 1
            default:
                return nil
            }
        }

        mutating func popModifiers() {
            while case .modifier = stack.last { stack.removeLast() }
        }

        /// `result params [modifiers] c`.
        mutating func functionType() -> Bool {
            popModifiers()
            guard let params = popParams(), popParams() != nil else { return false }
            stack.append(.functionType(params: params))
            return true
        }

        /// `X` + kind: function type variants (escaping, block, thin…), or a few other types.
        mutating func specialType() -> Bool {
            let c = next()
            switch c {
            case UInt8(ascii: "E"), UInt8(ascii: "B"), UInt8(ascii: "C"), UInt8(ascii: "L"), UInt8(ascii: "f"),
                UInt8(ascii: "K"):
                return functionType()
            case UInt8(ascii: "p"), UInt8(ascii: "M"):
                guard popType() != nil else { return false }
                stack.append(.type(arity: nil))
                return true
            default:
                return false
            }
        }

        /// `protocol _ protocol* p`: an existential; each protocol is a context and a name.
        mutating func existential() -> Bool {
            // `y p` is `Any`.
            if case .emptyList = stack.last {
                stack.removeLast()
                stack.append(.type(arity: nil))
                return true
            }
            while let top = stack.last {
                if case .firstElement = top { break }
                guard popProtocol() else { return false }
            }
            guard case .firstElement = stack.popLast(), popProtocol() else { return false }
            stack.append(.type(arity: nil))
            return true
        }

        mutating func popProtocol() -> Bool {
            if case .nominal = stack.last {
                stack.removeLast()
                return true
            }
            return popName() != nil && popContext() != nil
        }

        mutating func genericParameterIndex() -> Bool {
            if nextIf("d") { return index() != nil && index() != nil }
            return index() != nil
        }

        /// `name Qz` / `name Qy N_` / `name Qx`: an associated type of a generic parameter.
        mutating func associatedType() -> Bool {
            let c = next()
            guard case .identifier = stack.popLast() else { return false }
            switch c {
            case UInt8(ascii: "z"), UInt8(ascii: "x"): break
            case UInt8(ascii: "y"), UInt8(ascii: "Y"):
                guard genericParameterIndex() else { return false }
            default: return false
            }
            push(.type(arity: nil), substitutable: true)
            return true
        }

        /// `type y args… G`: a bound generic type; `_` separates the levels of nested types.
        mutating func boundGeneric() -> Bool {
            while let top = stack.last {
                if case .emptyList = top { break }
                if case .firstElement = top {
                    stack.removeLast()
                    continue
                }
                guard popType() != nil else { return false }
            }
            guard case .emptyList = stack.popLast(), let base = popType() else { return false }
            push(base, substitutable: true)
            return true
        }

        /// Generic requirements: `protocol R<param>`, `protocol assoc Rp<param>`,
        /// `type Rb<param>`, `type Rs<param>`, `type assoc Rt<param>`, `type assoc Rc<param>`,
        /// `protocol type RQ`, `type type RB`/`RS`; `<param>` is `z`, `N_` or `dN_N_`.
        mutating func requirement() -> Bool {
            let c = next()
            if c == 0 { return false }
            switch c {
            case UInt8(ascii: "p"):
                guard case .identifier = stack.popLast(), popProtocol(), genericParam() else { return false }
            case UInt8(ascii: "b"), UInt8(ascii: "s"):
                guard popType() != nil, genericParam() else { return false }
            case UInt8(ascii: "t"), UInt8(ascii: "c"):
                guard case .identifier = stack.popLast(), popType() != nil, genericParam() else { return false }
            case UInt8(ascii: "Q"):
                guard popType() != nil, popProtocol() else { return false }
            case UInt8(ascii: "B"), UInt8(ascii: "S"):
                guard popType() != nil, popType() != nil else { return false }
            default:
                pos -= 1
                guard genericParam(), popProtocol() else { return false }
            }
            stack.append(.requirement)
            return true
        }

        /// A generic parameter reference: `z`, `N_`, or `dN_N_`.
        mutating func genericParam() -> Bool {
            if nextIf("z") { return true }
            if nextIf("d") { return index() != nil && index() != nil }
            return index() != nil
        }

        mutating func genericSignature() -> Bool {
            while case .requirement = stack.last { stack.removeLast() }
            stack.append(.genericSignature)
            return true
        }

        /// A context: a module (an identifier), a nominal type, or an enclosing declaration.
        mutating func popContext() -> String? {
            guard let top = stack.popLast() else { return nil }
            switch top {
            case .identifier(let module): return module
            case .nominal(let path): return path
            case .entity(let name): return name
            case .storage(let name): return name
            default: return nil
            }
        }

        mutating func popName() -> String? {
            guard let top = stack.last else { return nil }
            switch top {
            case .identifier(let name), .privateName(let name):
                stack.removeLast()
                return name
            default:
                return nil
            }
        }

        /// Pops a label list for `count` parameters: `y` (none), or one identifier or `_` each.
        mutating func popLabels(count: Int) -> String? {
            if case .emptyList = stack.last {
                stack.removeLast()
                return String(repeating: "_:", count: count)
            }
            var labels: [String] = []
            for _ in 0..<count {
                switch stack.last {
                case .identifier(let label)?:
                    labels.append(label + ":")
                    stack.removeLast()
                case .firstElement?:
                    labels.append("_:")
                    stack.removeLast()
                default:
                    return nil
                }
            }
            return labels.reversed().joined()
        }

        /// `context name labels result params [generic signature] F`.
        mutating func function() -> Bool {
            var generic = false
            if case .genericSignature = stack.last {
                stack.removeLast()
                generic = true
            }
            popModifiers()
            guard let count = popParams(), popParams() != nil else { return false }
            _ = generic
            let labels: String
            if count == 0 {
                labels = ""
            } else {
                guard let l = popLabels(count: count) else { return false }
                labels = l
            }
            guard let name = popName(), let context = popContext() else { return false }
            stack.append(.entity("\(context).\(name)(\(labels))"))
            return true
        }

        /// `context name [labels] type v|i` + accessor letter.
        mutating func storage(kind: String) -> Bool {
            if case .genericSignature = stack.last { stack.removeLast() }
            var labels = ""
            guard let type = popType() else { return false }
            let name: String
            if kind == "subscript" {
                // A subscript's type is a function type from its index parameters.
                guard case .functionType(let count) = type else { return false }
                labels = "(" + (popLabels(count: count) ?? String(repeating: "_:", count: count)) + ")"
                name = "subscript"
            } else {
                guard let n = popName() else { return false }
                name = n
            }
            guard let context = popContext() else { return false }
            let base = "\(context).\(name)\(labels)"
            let accessor: String?
            switch next() {
            case UInt8(ascii: "g"): accessor = "getter"
            case UInt8(ascii: "s"): accessor = "setter"
            case UInt8(ascii: "M"): accessor = "modify"
            case UInt8(ascii: "r"): accessor = "read"
            case UInt8(ascii: "m"): accessor = "materializeForSet"
            case UInt8(ascii: "w"): accessor = "willset"
            case UInt8(ascii: "W"): accessor = "didset"
            case UInt8(ascii: "a"):
                guard next() != 0 else { return false }
                accessor = "unsafeMutableAddressor"
            case UInt8(ascii: "l"):
                guard next() != 0 else { return false }
                accessor = "unsafeAddressor"
            case UInt8(ascii: "p"): accessor = nil
            default: return false
            }
            if let accessor {
                stack.append(.entity(base + "." + accessor))
            } else {
                stack.append(.storage(base))
            }
            return true
        }

        /// `f` + kind: initializers, deinitializers, closures, initializer expressions…
        mutating func functionLike() -> Bool {
            let c = next()
            switch c {
            case UInt8(ascii: "C"), UInt8(ascii: "c"):
                // `context labels type fC`
                if case .genericSignature = stack.last { stack.removeLast() }
                guard case .functionType(let count)? = popType() else { return false }
                let labels = count == 0 ? "" : (popLabels(count: count) ?? String(repeating: "_:", count: count))
                guard let context = popContext() else { return false }
                stack.append(.entity("\(context).init(\(labels))"))
            case UInt8(ascii: "D"), UInt8(ascii: "d"):
                guard let context = popContext() else { return false }
                stack.append(.entity("\(context).deinit"))
            case UInt8(ascii: "E"), UInt8(ascii: "e"):
                guard let context = popContext() else { return false }
                stack.append(.entity("\(context).__ivar_destroyer"))
            case UInt8(ascii: "i"):
                guard case .storage(let variable) = stack.popLast() else { return false }
                stack.append(.entity("variable initialization expression of \(variable)"))
            case UInt8(ascii: "U"), UInt8(ascii: "u"):
                guard let n = index() else { return false }
                guard popType() != nil || popParams() != nil else { return false }
                guard let context = popContext() else { return false }
                let kind = c == UInt8(ascii: "U") ? "closure" : "implicit closure"
                stack.append(.entity("\(kind) #\(n + 1) in \(context)"))
            case UInt8(ascii: "A"):
                guard let n = index(), case .entity(let function) = stack.popLast() else { return false }
                stack.append(.entity("default argument \(n) of \(function)"))
            default:
                return false
            }
            return true
        }
    }
}
