/// The demangler's parser: its state, the main loop, suffixes and the operator dispatch.
extension SwiftDemangler {
    // MARK: - Parser

    struct Parser {
        typealias Node = SwiftDemangler.Node

        let text: [UInt8]
        var pos = 0
        var stack: [Node] = []
        var substitutions: [Node] = []
        var words: [String] = []
        /// Prefixes from thunk/specialization suffixes (`specialized `, `@objc `…).
        var prefix = ""
        var qualifyModules = true
        /// The printed paths of classes seen: their `fC`/`fD` are `__allocating_init`/`__deallocating_deinit`.
        var classes: Set<String> = []
        /// Whether the context `popContext` returned last is a class itself (not an extension of one).
        var contextIsClass = false

        /// `context.name`, or `name` alone when the context is a module left out.
        func member(_ context: String, _ name: String) -> String { context.isEmpty ? name : context + "." + name }

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
            var asyncPointer = false
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
                    case UInt8(ascii: "u"): asyncPointer = true
                    case UInt8(ascii: "j"): thunk = "dispatch thunk of "
                    case UInt8(ascii: "q"): thunk = "method descriptor for "
                    case UInt8(ascii: "W"): thunk = "protocol witness for "
                    default: break
                    }
                }
                i += 1
            }
            pos = text.count
            if asyncPointer { prefix += "async function pointer to " }
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
                let path = member(context, name)
                if c == UInt8(ascii: "C") { classes.insert(path) }
                push(.nominal(path), substitutable: true)
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
                let kind = next()
                guard kind != 0 else { return false }
                // `type YK`: typed throws; the thrown type is not printed.
                if kind == UInt8(ascii: "K") && popType() == nil { return false }
                // `Yb` (@Sendable): the toolchain prints such a function type in a shape of its own
                // ("name@Sendable ()"); decline rather than name it differently.
                if kind == UInt8(ascii: "b") { return false }
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
                let fixity = kind == UInt8(ascii: "i") ? "infix" : kind == UInt8(ascii: "p") ? "prefix" : "postfix"
                stack.append(.identifier(Self.operatorName(letters) + " " + fixity))
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
    }
}
