/// The byte-level parser behind `JSONImport.parse`: offsets in every error, bounded nesting, flat
/// number arrays.
extension JSONImport {
    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func document() throws(SyntaxError) -> Value {
            if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
            skipBlanks()
            guard i < bytes.count else { throw SyntaxError(offset: i, message: "empty input: expected a JSON value") }
            let v = try value()
            skipBlanks()
            if i < bytes.count {
                throw SyntaxError(offset: i, message: "unexpected \(describe(i)) after the JSON value")
            }
            return v
        }

        @inline(__always)
        mutating func skipBlanks() {
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
            }
        }

        func describe(_ at: Int) -> String {
            guard at < bytes.count else { return "end of input (truncated?)" }
            let c = bytes[at]
            if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
            return "byte 0x\(String(c, radix: 16))"
        }

        func unexpected(_ expected: String) -> SyntaxError {
            SyntaxError(offset: i, message: "expected \(expected) but found \(describe(i))")
        }

        mutating func value() throws(SyntaxError) -> Value {
            guard i < bytes.count else { throw unexpected("a value") }
            switch bytes[i] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw unexpected("a value")
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let start = i
            let n = word.utf8CodeUnitCount
            let w = word.utf8Start
            for k in 0..<n {
                guard i < bytes.count, bytes[i] == w[k] else {
                    throw SyntaxError(offset: start, message: "invalid literal (expected '\(word)')")
                }
                i += 1
            }
        }

        mutating func enter() throws(SyntaxError) {
            depth += 1
            if depth > JSONImport.maxDepth {
                throw SyntaxError(offset: i, message: "arrays and objects nested deeper than \(JSONImport.maxDepth)")
            }
        }

        mutating func object() throws(SyntaxError) -> Value {
            var o = Object(offset: i)
            try enter()
            i += 1  // {
            skipBlanks()
            if i < bytes.count && bytes[i] == UInt8(ascii: "}") {
                i += 1
                depth -= 1
                return .object(o)
            }
            while true {
                skipBlanks()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                    throw unexpected("an object key (a string)")
                }
                let key = try string()
                skipBlanks()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                    throw unexpected("':' after an object key")
                }
                i += 1
                skipBlanks()
                let v = try value()
                o.keys.append(key)
                o.values.append(v)
                skipBlanks()
                guard i < bytes.count else { throw unexpected("',' or '}'") }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                if bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    depth -= 1
                    return .object(o)
                }
                throw unexpected("',' or '}'")
            }
        }

        mutating func array() throws(SyntaxError) -> Value {
            let start = i
            try enter()
            i += 1  // [
            var numbers: [Double] = []
            var values: [Value]? = nil
            skipBlanks()
            if i < bytes.count && bytes[i] == UInt8(ascii: "]") {
                i += 1
                depth -= 1
                return .numbers([], offset: start)
            }
            while true {
                skipBlanks()
                guard i < bytes.count else { throw unexpected("a value") }
                let c = bytes[i]
                if values == nil && (c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39)) {
                    numbers.append(try number())
                } else {
                    let v = try value()
                    if values == nil {
                        values = numbers.map { .number($0) }
                        numbers = []
                    }
                    values!.append(v)
                }
                skipBlanks()
                guard i < bytes.count else { throw unexpected("',' or ']'") }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                if bytes[i] == UInt8(ascii: "]") {
                    i += 1
                    depth -= 1
                    if let values { return .array(values, offset: start) }
                    return .numbers(numbers, offset: start)
                }
                throw unexpected("',' or ']'")
            }
        }

        @inline(__always)
        func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= 0x30 && bytes[at] <= 0x39 }

        /// A number in strict JSON grammar; integers of up to 15 digits are read without conversion.
        mutating func number() throws(SyntaxError) -> Double {
            let start = i
            var negative = false
            if bytes[i] == UInt8(ascii: "-") {
                negative = true
                i += 1
            }
            guard isDigit(i) else { throw SyntaxError(offset: start, message: "invalid number") }
            var mantissa: UInt64 = 0
            var digits = 0
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
                if isDigit(i) { throw SyntaxError(offset: start, message: "invalid number (leading zero)") }
            } else {
                while isDigit(i) {
                    if digits < 18 { mantissa = mantissa &* 10 &+ UInt64(bytes[i] - 0x30) }
                    digits += 1
                    i += 1
                }
            }
            var simple = digits <= 15
            if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
                simple = false
                i += 1
                guard isDigit(i) else {
                    throw SyntaxError(offset: start, message: "invalid number (no digit after '.')")
                }
                while isDigit(i) { i += 1 }
            }
            if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
                simple = false
                i += 1
                if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
                guard isDigit(i) else { throw SyntaxError(offset: start, message: "invalid number (bad exponent)") }
                while isDigit(i) { i += 1 }
            }
            if simple {
                let d = Double(mantissa)
                return negative ? -d : d
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            guard let d = Double(text), d.isFinite else {
                throw SyntaxError(offset: start, message: "number \(text) is out of range")
            }
            return d
        }

        func hexValue(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x30...0x39: return UInt32(c - 0x30)
            case 0x41...0x46: return UInt32(c - 0x41 + 10)
            case 0x61...0x66: return UInt32(c - 0x61 + 10)
            default: return nil
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard i + 4 <= bytes.count else { throw SyntaxError(offset: i, message: "truncated \\u escape") }
            var v: UInt32 = 0
            for k in 0..<4 {
                guard let h = hexValue(bytes[i + k]) else {
                    throw SyntaxError(offset: i, message: "invalid \\u escape")
                }
                v = v << 4 | h
            }
            i += 4
            return v
        }

        /// A string; invalid UTF-8 and lone surrogate escapes become U+FFFD.
        mutating func string() throws(SyntaxError) -> String {
            let open = i
            i += 1  // "
            let start = i
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                    i += 1
                    return s
                }
                if c == UInt8(ascii: "\\") { break }
                if c < 0x20 { throw SyntaxError(offset: i, message: "control character inside a string") }
                i += 1
            }
            guard i < bytes.count else { throw SyntaxError(offset: open, message: "unterminated string (truncated?)") }
            // Slow path: escapes.
            var out = Array(bytes[start..<i])
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if c < 0x20 { throw SyntaxError(offset: i, message: "control character inside a string") }
                if c != UInt8(ascii: "\\") {
                    out.append(c)
                    i += 1
                    continue
                }
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        // A high surrogate: combine with a following low one, if any.
                        if i + 6 <= bytes.count && bytes[i] == UInt8(ascii: "\\") && bytes[i + 1] == UInt8(ascii: "u") {
                            let save = i
                            i += 2
                            let low = try hex4()
                            if low >= 0xDC00 && low < 0xE000 {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                i = save
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        scalar = 0xFFFD
                    }
                    out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                default:
                    throw SyntaxError(offset: i - 2, message: "invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            }
            throw SyntaxError(offset: open, message: "unterminated string (truncated?)")
        }
    }
}
