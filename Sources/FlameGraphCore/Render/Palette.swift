/// Frame colours. Deterministic by default: a colour is a function of the frame name, computed as
/// flamegraph.pl's `--hash` does, so the same function has the same colour in every graph.
public enum Palette: String, Sendable, CaseIterable {
    case hot, mem, io, wakeup, java, js, python, rust, perl, red, green, blue, aqua, yellow, purple, orange

    public struct RGB: Sendable, Equatable, CustomStringConvertible {
        public var r: Int, g: Int, b: Int
        public init(_ r: Int, _ g: Int, _ b: Int) {
            self.r = r
            self.g = g
            self.b = b
        }
        public var description: String { "rgb(\(r),\(g),\(b))" }
    }

    /// How the three colour variables are chosen.
    public enum Mode: Sendable, Equatable {
        /// From a hash of the name (the default).
        case hashed
        /// From a seeded generator: differs per frame, repeatable per seed.
        case random(seed: UInt64)
    }

    /// Background gradient (top, bottom) for the palette, as the peers pick it.
    public var background: (String, String) {
        switch self {
        case .mem: return ("#eeeeee", "#e0e0ff")
        case .io, .wakeup, .blue, .aqua: return ("#f8f8f8", "#e8e8e8")
        case .green: return ("#eef2ee", "#e0ffe0")
        case .java, .js, .python, .rust, .perl, .hot, .red, .yellow, .purple, .orange:
            return ("#eeeeee", "#eeeeb0")
        }
    }

    /// The colour of a frame named `name`; `v` supplies the three variables in `.random` mode.
    public func color(for name: String, mode: Mode = .hashed, random: inout SeededRandom) -> RGB {
        let v1: Double, v2: Double, v3: Double
        switch mode {
        case .hashed:
            v1 = Palette.nameHash(name)
            v2 = Palette.nameHash(String(name.reversed()))
            v3 = v2
        case .random:
            v1 = random.nextUnit()
            v2 = random.nextUnit()
            v3 = random.nextUnit()
        }
        return Palette.color(resolve(name), v1, v2, v3)
    }

    /// Multi-language palettes pick a base colour from the name's language (JIT, inline, kernel, …).
    func resolve(_ name: String) -> Palette {
        switch self {
        case .java:
            // inferno's rules: annotations first, then C++/Objective-C, then anything that looks like a
            // Java class (a slash, a dot, or a capital first letter), else native code.
            if let annotation = Palette.annotation(name) {
                switch annotation {
                case "k": return .orange
                case "i": return .aqua
                case "j": return .green
                default: break
                }
            }
            if name.contains("::") || name.hasPrefix("-[") || name.hasPrefix("+[") { return .yellow }
            let unprefixed = name.hasPrefix("L") ? name.dropFirst() : Substring(name)
            if unprefixed.contains("/") || (unprefixed.contains(".") && !unprefixed.hasPrefix("[")) { return .green }
            if let first = unprefixed.unicodeScalars.first, first.value >= 0x41, first.value <= 0x5A { return .green }
            return .red
        case .perl:
            if name.contains("::") { return .yellow }
            if name.contains("Perl") || name.contains(".pl") { return .green }
            if name.hasSuffix("_[k]") { return .orange }
            return .red
        case .js:
            if name.hasSuffix("_[j]") { return name.contains("/") ? .green : .aqua }
            if name.contains("::") { return .yellow }
            if let slash = name.firstIndex(of: "/"), name[slash...].contains(".js") { return .green }
            if name.contains(":") { return .aqua }
            if name == " " { return .green }
            if name.contains("_[k]") { return .orange }
            return .red
        case .python:
            if name.hasSuffix("_[k]") { return .orange }
            if name.contains(".py") || name.contains("<module>") || name.hasPrefix("<") { return .green }
            if name.contains("::") { return .yellow }
            return .red
        case .rust:
            if name.hasSuffix("_[k]") { return .orange }
            if name.contains("::") {
                return name.hasPrefix("std::") || name.hasPrefix("core::") || name.hasPrefix("alloc::")
                    ? .yellow : .green
            }
            return .red
        case .wakeup: return .aqua
        default: return self
        }
    }

    /// The letter of a trailing `_[x]` annotation (`k` kernel, `j` JIT, `i` inlined, `w` waker).
    static func annotation(_ name: String) -> Character? {
        let tail = name.utf8.suffix(4)
        guard tail.count == 4, tail.first == 0x5F, tail.dropFirst().first == 0x5B, tail.last == 0x5D else { return nil }
        return Character(Unicode.Scalar(tail[tail.index(tail.startIndex, offsetBy: 2)]))
    }

    /// Frames named `--` and `-` are separators (flamegraph.pl's stack boundaries, inferno's idle
    /// markers): grey in every palette, as both peers draw them.
    static func separatorColor(_ name: String) -> RGB? {
        if name == "--" { return RGB(160, 160, 160) }
        if name == "-" { return RGB(200, 200, 200) }
        return nil
    }

    static func color(_ p: Palette, _ v1: Double, _ v2: Double, _ v3: Double) -> RGB {
        func i(_ x: Double) -> Int { Int(x) }
        switch p {
        case .hot: return RGB(205 + i(50 * v3), i(230 * v1), i(55 * v2))
        case .mem: return RGB(0, 190 + i(50 * v2), i(210 * v1))
        case .io:
            let r = 80 + i(60 * v1)
            return RGB(r, r, 190 + i(55 * v2))
        case .red:
            let x = 50 + i(80 * v1)
            return RGB(200 + i(55 * v1), x, x)
        case .green:
            let x = 50 + i(60 * v1)
            return RGB(x, 200 + i(55 * v1), x)
        case .blue:
            let x = 80 + i(60 * v1)
            return RGB(x, x, 205 + i(50 * v1))
        case .yellow:
            let x = 175 + i(55 * v1)
            return RGB(x, x, 50 + i(20 * v1))
        case .purple:
            let x = 190 + i(65 * v1)
            return RGB(x, 80 + i(60 * v1), x)
        case .aqua: return RGB(50 + i(60 * v1), 165 + i(55 * v1), 165 + i(55 * v1))
        case .orange: return RGB(190 + i(65 * v1), 90 + i(65 * v1), 0)
        case .java, .js, .perl, .python, .rust, .wakeup: return RGB(0, 0, 0)  // resolved before
        }
    }

    /// A number in [0, 1] from the first characters of `name`, weighting early characters more, so
    /// similar names get similar colours across graphs. A `module`` prefix is ignored.
    static func nameHash(_ name: String) -> Double {
        var scalars = Substring(name).unicodeScalars[...]
        if let tick = scalars.dropFirst().firstIndex(of: "`") {
            scalars = scalars[scalars.index(after: tick)...]
        }
        var vector = 0.0
        var weight = 1.0
        var maximum = 1.0
        var modulus = 10
        for c in scalars {
            let i = Int(c.value % UInt32(modulus))
            vector += Double(i) / Double(modulus - 1) * weight
            modulus += 1
            maximum += weight
            weight *= 0.70
            if modulus > 12 { break }
        }
        return 1 - vector / maximum
    }
}

/// A small seeded generator (SplitMix64): `--random` colours and the seeded tests are reproducible
/// given a seed.
public struct SeededRandom: Sendable, RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Uniform in 0..<n (n > 0).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
