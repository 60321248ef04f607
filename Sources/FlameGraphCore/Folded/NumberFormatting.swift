/// Fixed, locale-free number formatting for every text output (deterministic by construction).
public enum NumberFormatting {
    /// A weight as folded files write it: integers without a decimal point, fractions as the shortest
    /// text that reads back to the same value.
    public static func weight(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1.8e19 {
            return value < 0 ? "-" + String(UInt64(-value)) : String(UInt64(value))
        }
        if value.isFinite, value == value.rounded() {
            // Past UInt64 (counts that overflowed it): still digits, never `1.8e+19`, which no folded
            // reader takes for a count.
            return (value < 0 ? "-" : "") + exactDigits(abs(value))
        }
        return String(value)
    }

    /// The decimal digits of an integral `value` ≥ 2^53: its significand doubled `exponent` times, in
    /// base-10^9 limbs (least significant first).
    static func exactDigits(_ value: Double) -> String {
        let shift = Int(value.exponent) - Double.significandBitCount
        var limbs: [UInt64] = []
        var m = UInt64(value.significandBitPattern | (1 << UInt64(Double.significandBitCount)))
        while m > 0 {
            limbs.append(m % 1_000_000_000)
            m /= 1_000_000_000
        }
        for _ in 0..<max(shift, 0) {
            var carry: UInt64 = 0
            for i in limbs.indices {
                let v = limbs[i] * 2 + carry
                limbs[i] = v % 1_000_000_000
                carry = v / 1_000_000_000
            }
            if carry > 0 { limbs.append(carry) }
        }
        var text = String(limbs.last ?? 0)
        for limb in limbs.dropLast().reversed() {
            let digits = String(limb)
            text += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return text
    }

    /// Appends `weight(value)` as bytes.
    @inline(__always)
    public static func appendWeight(_ value: Double, to out: inout [UInt8]) {
        if value >= 0, value < 1.8e19, value == value.rounded() {
            appendInteger(UInt64(value), to: &out)
        } else {
            out.append(contentsOf: weight(value).utf8)
        }
    }

    @inline(__always)
    public static func appendInteger(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(truncatingIfNeeded: value) + 0x30)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        withUnsafeMutableBytes(of: &digits) { buf in
            var v = value
            var i = buf.count
            while v > 0 {
                i -= 1
                buf[i] = UInt8(truncatingIfNeeded: v % 10) + 0x30
                v /= 10
            }
            out.append(contentsOf: buf[i...])
        }
    }

    /// `1234567` → `1,234,567`, as both peers print sample counts in tooltips; fractions keep up to
    /// two decimals.
    public static func grouped(_ value: Double) -> String {
        var out: [UInt8] = []
        appendGrouped(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `grouped(value)` as bytes (the SVG writer calls this once per frame).
    public static func appendGrouped(_ value: Double, to out: inout [UInt8]) {
        let rounded = value.rounded()
        if abs(value - rounded) < 1e-9, abs(value) < 1.8e19 {
            if value < 0 { out.append(UInt8(ascii: "-")) }
            appendGroupedInteger(UInt64(abs(rounded)), to: &out)
            return
        }
        let whole = value.rounded(.towardZero)
        let frac = fixed(abs(value - whole), decimals: 2)  // "0.25"
        if frac.hasPrefix("1") {  // rounding carried into the whole part
            appendGrouped(whole + (value < 0 ? -1 : 1), to: &out)
            return
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        if abs(whole) < 1.8e19 {
            appendGroupedInteger(UInt64(abs(whole)), to: &out)
        } else {
            out.append(contentsOf: String(abs(whole)).utf8)
        }
        out.append(contentsOf: frac.utf8.dropFirst())
    }

    /// Digits with a comma every three from the right.
    private static func appendGroupedInteger(_ value: UInt64, to out: inout [UInt8]) {
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes: 20 digits + 6 commas
        withUnsafeMutableBytes(of: &scratch) { buf in
            var v = value
            var i = buf.count
            var inGroup = 0
            repeat {
                if inGroup == 3 {
                    i -= 1
                    buf[i] = UInt8(ascii: ",")
                    inGroup = 0
                }
                i -= 1
                buf[i] = UInt8(truncatingIfNeeded: v % 10) + 0x30
                v /= 10
                inGroup += 1
            } while v > 0
            out.append(contentsOf: buf[i...])
        }
    }

    /// `value` with exactly `decimals` digits after the point, rounded half away from zero.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "0" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        if scaled >= 1.8e19 { return String(value) }
        let n = UInt64(scaled)
        var out: [UInt8] = []
        if value < 0 && n != 0 { out.append(UInt8(ascii: "-")) }
        appendInteger(n, to: &out)
        if decimals > 0 {
            let digitsStart = value < 0 && n != 0 ? 1 : 0
            let digitCount = out.count - digitsStart
            if digitCount <= decimals {  // 0.05 → "005" → "0.05"
                out.insert(
                    contentsOf: repeatElement(UInt8(ascii: "0"), count: decimals - digitCount + 1), at: digitsStart)
            }
            out.insert(UInt8(ascii: "."), at: out.count - decimals)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A percentage as the peers print it: two decimals, and `100%` without decimals.
    public static func percent(_ part: Double, of total: Double) -> String {
        var out = ByteBuffer(capacity: 8)
        out.percent(part, of: total)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
