/// A growing byte buffer for writing SVG and reports without `String` concatenation on hot paths.
struct ByteBuffer {
    var bytes: [UInt8] = []

    init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// Appends trusted literal text (markup written by us, never user data).
    @inline(__always)
    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends text we composed from numbers and fixed words; it is escaped all the same.
    @inline(__always)
    mutating func text(_ s: String) { XMLText.append(s, to: &bytes) }

    @inline(__always)
    mutating func int(_ v: Int) {
        if v < 0 {
            bytes.append(0x2D)
            NumberFormatting.appendInteger(UInt64(-v), to: &bytes)
        } else {
            NumberFormatting.appendInteger(UInt64(v), to: &bytes)
        }
    }

    /// Appends `v` with exactly `decimals` decimals (rounded half away from zero).
    @inline(__always)
    mutating func fixed(_ v: Double, _ decimals: Int) {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e18 else {
            text(NumberFormatting.fixed(v, decimals: decimals))
            return
        }
        var n = UInt64(scaled)
        if v < 0 && n != 0 { bytes.append(0x2D) }
        var p: UInt64 = 1
        for _ in 0..<decimals { p *= 10 }
        NumberFormatting.appendInteger(n / p, to: &bytes)
        if decimals > 0 {
            bytes.append(0x2E)
            n %= p
            var digitsScale = p / 10
            while digitsScale > 0 {
                bytes.append(UInt8(n / digitsScale) + 0x30)
                n %= digitsScale
                digitsScale /= 10
            }
        }
    }

    @inline(__always)
    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// A percentage as the peers print it (`NumberFormatting.percent`): two decimals, `100%` without.
    mutating func percent(_ part: Double, of total: Double) {
        guard total > 0 else { return raw("0.00%") }
        let p = part / total * 100
        if p == 100 { return raw("100%") }
        fixed(p, 2)
        raw("%")
    }

    /// `rgb(r,g,b)`, as `Palette.RGB.description` writes it.
    @inline(__always)
    mutating func rgb(_ c: Palette.RGB) {
        raw("rgb(")
        int(c.r)
        raw(",")
        int(c.g)
        raw(",")
        int(c.b)
        raw(")")
    }
}
