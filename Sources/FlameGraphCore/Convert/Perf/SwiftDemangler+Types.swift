/// Substitutions, standard types, tuples, function types, generics and contexts.
extension SwiftDemangler.Parser {
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
            guard let name = SwiftDemangler.concurrencyTypes[next()] else { return false }
            node = .nominal(member(qualifyModules ? "Swift" : "", name))
        default:
            guard let name = SwiftDemangler.standardTypes[c] else { return false }
            node = .nominal(member(qualifyModules ? "Swift" : "", name))
        }
        for _ in 0..<repeatCount { stack.append(node) }
        return true
    }

    mutating func extensionContext() -> Bool {
        if case .genericSignature = stack.last { stack.removeLast() }
        guard case .identifier = stack.popLast(), let extended = stack.popLast() else { return false }
        switch extended {
        case .nominal(let path): stack.append(.extensionOf(path))
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
        contextIsClass = false
        switch top {
        case .identifier(let module): return qualifyModules ? module : ""
        case .nominal(let path):
            contextIsClass = classes.contains(path)
            return path
        case .extensionOf(let path): return path
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
}
