/// A test-only protobuf wire-format writer, to build decoder inputs byte by byte.
struct ProtobufTestEncoder {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wireType: UInt8) {
        varint(UInt64(field) << 3 | UInt64(wireType))
    }

    /// A varint field (uint64, bool, enum).
    mutating func uint(_ field: Int, _ value: UInt64) {
        key(field, 0)
        varint(value)
    }

    /// An int64 field: negative values take 10 bytes, as protobuf encodes them.
    mutating func int(_ field: Int, _ value: Int64) {
        uint(field, UInt64(bitPattern: value))
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, 1)
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
    }

    mutating func fixed32(_ field: Int, _ value: UInt32) {
        key(field, 5)
        for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(k)))) }
    }

    mutating func data(_ field: Int, _ value: [UInt8]) {
        key(field, 2)
        varint(UInt64(value.count))
        bytes += value
    }

    mutating func string(_ field: Int, _ value: String) {
        data(field, Array(value.utf8))
    }

    mutating func message(_ field: Int, _ build: (inout ProtobufTestEncoder) -> Void) {
        var inner = ProtobufTestEncoder()
        build(&inner)
        data(field, inner.bytes)
    }

    /// A packed repeated varint field.
    mutating func packed(_ field: Int, _ values: [UInt64]) {
        var inner = ProtobufTestEncoder()
        for v in values { inner.varint(v) }
        data(field, inner.bytes)
    }

    mutating func packed(_ field: Int, _ values: [Int64]) {
        packed(field, values.map { UInt64(bitPattern: $0) })
    }
}

/// Builds pprof `Profile` messages: strings are interned into the string table automatically.
struct PprofTestBuilder {
    struct Line {
        var function: UInt64
        var line: Int64 = 0
    }

    var strings: [String] = [""]
    var body = ProtobufTestEncoder()
    /// Written after everything else, like Go's encoder does.
    var defaultSampleType: String? = nil
    /// Whether sample fields use packed encoding (Go's) or one key per element (also valid).
    var packedSamples = true

    mutating func index(_ s: String) -> Int64 {
        if let i = strings.firstIndex(of: s) { return Int64(i) }
        strings.append(s)
        return Int64(strings.count - 1)
    }

    mutating func sampleType(_ type: String, _ unit: String) {
        let t = index(type)
        let u = index(unit)
        body.message(1) { m in
            m.int(1, t)
            m.int(2, u)
        }
    }

    mutating func sample(_ locations: [UInt64], _ values: [Int64], label: (String, String)? = nil) {
        var labelKV: (Int64, Int64)? = nil
        if let label { labelKV = (index(label.0), index(label.1)) }
        let packed = packedSamples
        body.message(2) { m in
            if packed {
                m.packed(1, locations)
                m.packed(2, values)
            } else {
                for l in locations { m.uint(1, l) }
                for v in values { m.int(2, v) }
            }
            if let labelKV {
                m.message(3) { l in
                    l.int(1, labelKV.0)
                    l.int(2, labelKV.1)
                }
            }
        }
    }

    mutating func mapping(id: UInt64, start: UInt64, limit: UInt64, file: String, buildID: String = "") {
        let f = index(file)
        let b = index(buildID)
        body.message(3) { m in
            m.uint(1, id)
            m.uint(2, start)
            m.uint(3, limit)
            m.uint(4, 0)
            m.int(5, f)
            m.int(6, b)
            m.uint(7, 1)  // has_functions
        }
    }

    /// `lines` innermost first, as in profile.proto.
    mutating func location(id: UInt64, mapping: UInt64 = 0, address: UInt64 = 0, lines: [Line]) {
        body.message(4) { m in
            m.uint(1, id)
            if mapping != 0 { m.uint(2, mapping) }
            if address != 0 { m.uint(3, address) }
            for line in lines {
                m.message(4) { l in
                    l.uint(1, line.function)
                    l.int(2, line.line)
                }
            }
        }
    }

    mutating func function(id: UInt64, name: String, systemName: String? = nil, file: String = "main.go") {
        let n = index(name)
        let s = index(systemName ?? name)
        let f = index(file)
        body.message(5) { m in
            m.uint(1, id)
            m.int(2, n)
            m.int(3, s)
            m.int(4, f)
            m.int(5, 1)
        }
    }

    /// The encoded profile.
    func build() -> [UInt8] {
        var out = body
        var strings = self.strings
        var defaultIndex: Int64? = nil
        if let d = defaultSampleType {
            if let i = strings.firstIndex(of: d) {
                defaultIndex = Int64(i)
            } else {
                strings.append(d)
                defaultIndex = Int64(strings.count - 1)
            }
        }
        for s in strings { out.string(6, s) }
        out.int(9, 1_700_000_000_000_000_000)  // time_nanos
        out.int(10, 2_000_000_000)  // duration_nanos
        out.uint(12, 10_000_000)  // period
        if let defaultIndex { out.int(14, defaultIndex) }
        return out.bytes
    }
}
