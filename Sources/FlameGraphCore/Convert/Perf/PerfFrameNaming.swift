/// Turns one resolved `perf script` frame (symbol text and dso) into the frame name(s) it stands for.
///
/// This is the cold path: `PerfScriptCollapser` caches the result per distinct (symbol, dso), so
/// everything here works on small byte arrays and favours clarity over speed.
enum PerfFrameNaming {
    struct Name {
        /// The name as it goes into the stack, annotations (`_[k]`, `_[j]`, `_[i]`) included.
        var text: [UInt8]
        /// The name before annotations: what `skipAfter` compares with.
        var plain: [UInt8]
    }

    /// The frames of one stack line, caller first.
    ///
    /// - Parameters:
    ///   - symbol: the symbol text with any `+0x…` offset already removed.
    ///   - dso: the text inside the line's final parentheses (may be empty).
    ///   - address: the instruction pointer as printed (for `includeAddrs`).
    ///   - javaProcess: the sample's process is `java` (Java class names get their leading `L` removed).
    static func names(
        symbol: [UInt8], dso: [UInt8], address: [UInt8], javaProcess: Bool, options: PerfCollapseOptions
    ) -> [Name] {
        var out: [Name] = []
        let parts = splitInlined(symbol)
        for (index, part) in parts.enumerated() {
            var name: [UInt8]
            if part == unknownSymbol {
                name = unknownName(dso: dso, address: address, includeAddrs: options.includeAddrs)
            } else {
                name = part
                for i in name.indices where name[i] == UInt8(ascii: ";") { name[i] = UInt8(ascii: ":") }
                name = cutArguments(name)
                if let repaired = repairRustLegacy(name) { name = repaired }
                if options.demangle, let demangled = SwiftDemangler.demangle(name) {
                    name = demangled
                    for i in name.indices where name[i] == UInt8(ascii: ";") { name[i] = UInt8(ascii: ":") }
                }
                if javaProcess, name.first == UInt8(ascii: "L"), name.contains(UInt8(ascii: "/")) {
                    name.removeFirst()
                }
            }
            let plain = name
            if index > 0 {
                if !contains(name, inlineTag) { name += inlineTag }
            } else if options.annotateKernel && isKernel(dso) {
                name += kernelTag
            } else if options.annotateJIT && isJIT(dso) {
                if !contains(name, jitTag) { name += jitTag }
            }
            out.append(Name(text: name, plain: plain))
        }
        return out
    }

    static let unknownSymbol: [UInt8] = Array("[unknown]".utf8)
    static let inlineTag: [UInt8] = Array("_[i]".utf8)
    static let kernelTag: [UInt8] = Array("_[k]".utf8)
    static let jitTag: [UInt8] = Array("_[j]".utf8)

    /// `[unknown]` becomes `[basename of dso]` when the dso is known, else `[unknown]`; with
    /// `includeAddrs` the address follows: `[libc.so.6 <7f3a…>]`.
    static func unknownName(dso: [UInt8], address: [UInt8], includeAddrs: Bool) -> [UInt8] {
        var base: [UInt8]
        if dso.isEmpty || dso == unknownSymbol {
            base = Array("unknown".utf8)
        } else {
            base = basename(dso)
            for i in base.indices where base[i] == UInt8(ascii: ";") { base[i] = UInt8(ascii: ":") }
        }
        var name: [UInt8] = [UInt8(ascii: "[")]
        name += base
        if includeAddrs {
            name += Array(" <".utf8)
            name += address
            name.append(UInt8(ascii: ">"))
        }
        name.append(UInt8(ascii: "]"))
        return name
    }

    /// Splits `a->b->c` (perf's way of printing inlined frames, caller first) into its parts; an
    /// `operator->` is not a separator.
    static func splitInlined(_ symbol: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var start = 0
        var i = 0
        while i + 1 < symbol.count {
            if symbol[i] == UInt8(ascii: "-"), symbol[i + 1] == UInt8(ascii: ">"),
                !endsWith(symbol[start..<i], "operator")
            {
                parts.append(Array(symbol[start..<i]))
                i += 2
                start = i
                continue
            }
            i += 1
        }
        parts.append(Array(symbol[start...]))
        return parts
    }

    /// Removes an argument list: everything from the first `(` that is not inside `<…>`, not
    /// `(anonymous namespace)` and not a Go receiver such as `pkg.(*T).M`.
    static func cutArguments(_ name: [UInt8]) -> [UInt8] {
        let n = name.count
        var depth = 0
        var i = 0
        while i < n {
            let c = name[i]
            if c == UInt8(ascii: "<") {
                depth += 1
            } else if c == UInt8(ascii: ">") {
                if depth > 0 { depth -= 1 }
            } else if c == UInt8(ascii: "o"), startsWith(name, at: i, "operator"),
                i == 0 || !isIdentifier(name[i - 1]), i + 8 < n, !isIdentifier(name[i + 8])
            {
                // `operator<`, `operator<<=`, `operator->`…: those brackets are not template brackets.
                i += 8
                while i < n, isOperatorSymbol(name[i]) { i += 1 }
                continue
            } else if c == UInt8(ascii: "("), depth == 0 {
                if startsWith(name, at: i, "(anonymous namespace)") {
                    i += 21
                    continue
                }
                if i > 0, name[i - 1] == UInt8(ascii: "."), let close = matchingParen(name, from: i),
                    close + 1 < n, name[close + 1] == UInt8(ascii: ".")
                {
                    i = close + 1
                    continue
                }
                return Array(name[..<i])
            }
            i += 1
        }
        return name
    }

    private static func matchingParen(_ s: [UInt8], from open: Int) -> Int? {
        var depth = 0
        var i = open
        while i < s.count {
            if s[i] == UInt8(ascii: "(") {
                depth += 1
            } else if s[i] == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }

    /// Repairs a legacy Rust symbol that perf demangled only halfway
    /// (`_$LT$std..io..Foo$LT$T$GT$$GT$::new::h0123456789abcdef` → `<std::io::Foo<T>>::new`).
    /// Only names that end in `::h` + 16 hex digits are touched; `nil` when the name is not one.
    static func repairRustLegacy(_ name: [UInt8]) -> [UInt8]? {
        let n = name.count
        guard n >= 19, name[n - 19] == UInt8(ascii: ":"), name[n - 18] == UInt8(ascii: ":"),
            name[n - 17] == UInt8(ascii: "h"), name[(n - 16)...].allSatisfy(isHexDigit)
        else { return nil }
        let body = name[..<(n - 19)]
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = body.startIndex
        if body.count >= 2, body[i] == UInt8(ascii: "_"), body[i + 1] == UInt8(ascii: "$") { i += 1 }
        while i < body.endIndex {
            let c = body[i]
            if c == UInt8(ascii: "."), i + 1 < body.endIndex, body[i + 1] == UInt8(ascii: ".") {
                out += [UInt8(ascii: ":"), UInt8(ascii: ":")]
                i += 2
                continue
            }
            if c == UInt8(ascii: "$"), let close = body[(i + 1)...].firstIndex(of: UInt8(ascii: "$")),
                let decoded = decodeRustEscape(body[(i + 1)..<close])
            {
                out += decoded
                i = close + 1
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }

    private static func decodeRustEscape(_ code: ArraySlice<UInt8>) -> [UInt8]? {
        switch String(decoding: code, as: UTF8.self) {
        case "SP": return [UInt8(ascii: "@")]
        case "BP": return [UInt8(ascii: "*")]
        case "RF": return [UInt8(ascii: "&")]
        case "LT": return [UInt8(ascii: "<")]
        case "GT": return [UInt8(ascii: ">")]
        case "LP": return [UInt8(ascii: "(")]
        case "RP": return [UInt8(ascii: ")")]
        case "C": return [UInt8(ascii: ",")]
        default:
            guard code.count >= 2, code.first == UInt8(ascii: "u"), code.count <= 7,
                code.dropFirst().allSatisfy(isHexDigit),
                let value = UInt32(String(decoding: code.dropFirst(), as: UTF8.self), radix: 16),
                let scalar = Unicode.Scalar(value)
            else { return nil }
            return Array(String(Character(scalar)).utf8)
        }
    }

    /// Kernel code: a bracketed dso (`[kernel.kallsyms]`, `[vdso]`…, not `[unknown]`), a `vmlinux`
    /// image (also versioned, `vmlinux-5.4.0`), or a kernel module (`*.ko`).
    static func isKernel(_ dso: [UInt8]) -> Bool {
        if dso.first == UInt8(ascii: "[") { return dso != unknownSymbol }
        if endsWith(dso[...], "vmlinux") || endsWith(dso[...], ".ko") { return true }
        return startsWith(basename(dso), at: 0, "vmlinux-")
    }

    /// JIT-compiled code: a perf map (`/tmp/perf-1234.map`) or a jitdump image (`jitted-1234-5.so`).
    static func isJIT(_ dso: [UInt8]) -> Bool {
        let marker = Array("/tmp/perf-".utf8)
        var i = 0
        while i + marker.count <= dso.count {
            if dso[i..<(i + marker.count)].elementsEqual(marker) {
                var j = i + marker.count
                let digitsStart = j
                while j < dso.count, isDigit(dso[j]) { j += 1 }
                if j > digitsStart, startsWith(dso, at: j, ".map") { return true }
            }
            i += 1
        }
        let base = basename(dso)
        guard startsWith(base, at: 0, "jitted-"), endsWith(base[...], ".so") else { return false }
        let middle = base[7..<(base.count - 3)]
        guard let dash = middle.firstIndex(of: UInt8(ascii: "-")) else { return false }
        let pid = middle[..<dash]
        let n = middle[(dash + 1)...]
        return !pid.isEmpty && !n.isEmpty && pid.allSatisfy(isDigit) && n.allSatisfy(isDigit)
    }

    static func basename(_ path: [UInt8]) -> [UInt8] {
        guard let slash = path.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return Array(path[(slash + 1)...])
    }

    // MARK: - Byte helpers

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func isHexDigit(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
            || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }

    static func isIdentifier(_ c: UInt8) -> Bool {
        isDigit(c) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) || c == UInt8(ascii: "_")
            || c >= 0x80
    }

    private static func isOperatorSymbol(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "-"), UInt8(ascii: "!"):
            return true
        default: return false
        }
    }

    static func startsWith(_ s: [UInt8], at offset: Int, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard offset >= 0, offset + count <= s.count else { return false }
        let p = prefix.utf8Start
        for k in 0..<count where s[offset + k] != p[k] { return false }
        return true
    }

    static func endsWith(_ s: ArraySlice<UInt8>, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard s.count >= count else { return false }
        let p = suffix.utf8Start
        let base = s.endIndex - count
        for k in 0..<count where s[base + k] != p[k] { return false }
        return true
    }

    static func contains(_ s: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= s.count else { return false }
        var i = 0
        while i + needle.count <= s.count {
            if s[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
