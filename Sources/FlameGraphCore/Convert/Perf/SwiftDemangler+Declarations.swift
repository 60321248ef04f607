/// Declarations: functions, variables and subscripts with their accessors, initializers, closures.
extension SwiftDemangler.Parser {
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
        stack.append(.entity(member(context, "\(name)(\(labels))")))
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
            // Popped but not printed: the toolchain names subscripts without their labels.
            _ = popLabels(count: count)
            name = "subscript"
        } else {
            guard let n = popName() else { return false }
            name = n
        }
        guard let context = popContext() else { return false }
        let base = member(context, "\(name)\(labels)")
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
            // `fC` allocates then calls the `fc` initializer: two frames, named apart as the toolchain does.
            let name = c == UInt8(ascii: "C") && contextIsClass ? "__allocating_init" : "init"
            stack.append(.entity(member(context, "\(name)(\(labels))")))
        case UInt8(ascii: "D"), UInt8(ascii: "d"):
            guard let context = popContext() else { return false }
            stack.append(
                .entity(member(context, c == UInt8(ascii: "D") && contextIsClass ? "__deallocating_deinit" : "deinit")))
        case UInt8(ascii: "E"), UInt8(ascii: "e"):
            guard let context = popContext() else { return false }
            stack.append(.entity(member(context, "__ivar_destroyer")))
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
