/// Byte helpers that read the fields of `perf script` event headers (`next_pid=`, times, words).
extension OffCPUCollapser {
    /// The first (or last) start of `needle` in `b` at or after `from`.
    static func find(_ needle: [UInt8], in b: UnsafeBufferPointer<UInt8>, from: Int, last: Bool = false) -> Int? {
        let m = needle.count
        guard b.count - from >= m else { return nil }
        var found: Int? = nil
        var i = from
        while i + m <= b.count {
            if b[i] == needle[0] {
                var k = 1
                while k < m && b[i + k] == needle[k] { k += 1 }
                if k == m {
                    if !last { return i }
                    found = i
                }
            }
            i += 1
        }
        return found
    }

    /// The number right after `field` (`next_pid=123` → 123).
    static func number(after field: [UInt8], in b: UnsafeBufferPointer<UInt8>, from: Int, last: Bool) -> Int32? {
        guard let at = find(field, in: b, from: from, last: last) else { return nil }
        var i = at + field.count
        let start = i
        while i < b.count && isDigit(b[i]) { i += 1 }
        return int32(b, start, i)
    }

    /// The word right after `field` (`prev_state=R+` → `R+`).
    static func word(after field: [UInt8], in b: UnsafeBufferPointer<UInt8>, from: Int) -> [UInt8]? {
        guard let at = find(field, in: b, from: from) else { return nil }
        var i = at + field.count
        let start = i
        while i < b.count && !isBlank(b[i]) { i += 1 }
        return Array(UnsafeBufferPointer(rebasing: b[start..<i]))
    }

    static func int32(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int32? {
        guard to > from, to - from <= 10 else { return nil }
        var v: Int64 = 0
        for k in from..<to {
            guard isDigit(b[k]) else { return nil }
            v = v * 10 + Int64(b[k] &- 0x30)
        }
        return v <= Int64(Int32.max) ? Int32(v) : nil
    }

    /// The time word (`secs.frac:`) before the event name, in nanoseconds.
    static func time(in b: UnsafeBufferPointer<UInt8>, before end: Int) -> UInt64? {
        var i = 0
        while i < end {
            while i < end && isBlank(b[i]) { i += 1 }
            let ws = i
            while i < end && !isBlank(b[i]) { i += 1 }
            if i - ws >= 4 && b[i - 1] == UInt8(ascii: ":") && isDigit(b[ws]),
                let t = nanoseconds(b, ws, i - 1)
            {
                return t
            }
        }
        return nil
    }

    /// `1985.553247` → nanoseconds (any number of fraction digits up to 9).
    static func nanoseconds(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> UInt64? {
        var seconds: UInt64 = 0
        var fraction: UInt64 = 0
        var fractionDigits = 0
        var inFraction = false
        guard to > from else { return nil }
        for k in from..<to {
            let c = b[k]
            if c == UInt8(ascii: ".") {
                if inFraction { return nil }
                inFraction = true
            } else if isDigit(c) {
                if inFraction {
                    if fractionDigits < 9 {
                        fraction = fraction * 10 + UInt64(c &- 0x30)
                        fractionDigits += 1
                    }
                } else {
                    seconds = seconds &* 10 &+ UInt64(c &- 0x30)
                }
            } else {
                return nil
            }
        }
        while fractionDigits < 9 {
            fraction *= 10
            fractionDigits += 1
        }
        return seconds &* 1_000_000_000 &+ fraction
    }
}
