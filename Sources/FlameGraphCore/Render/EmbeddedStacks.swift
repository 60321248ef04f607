/// The stacks a flame graph was drawn from, embedded in the SVG so a graph can be read back exactly —
/// frames too narrow to draw included (format in `docs/SVG_FORMAT.md`).
///
/// Written as version 2: `<metadata id="flame-graph-stacks" encoding="zlib-base64">`, the payload
/// deflated (zlib) and base64-encoded, names as their exact bytes. Version 1 (the same text, XML-escaped,
/// uncompressed) is still read.
public enum EmbeddedStacks {
    static let magic = "flame-graph-stacks"
    static let openTag = "<metadata id=\"flame-graph-stacks\" encoding=\"zlib-base64\">"

    static func write(_ profile: Profile, to out: inout ByteBuffer) {
        out.raw("<metadata id=\"flame-graph-stacks\" encoding=\"zlib-base64\">")
        Base64.append(Deflate.compress(payload(profile)), to: &out.bytes)
        out.raw("</metadata>\n")
    }

    /// Version 2: text lines for the header and the names (exact bytes, one a line), then the nodes
    /// in creation order as binary columns — how many nodes back each parent is, each name's 1-based
    /// index, each self weight (and before weight), as LEB128 varints (`varint`) or little-endian
    /// doubles (`f64`, when a weight is fractional). Columns of small numbers deflate far better and
    /// faster than text.
    static func payload(_ profile: Profile) -> [UInt8] {
        var out = ByteBuffer(capacity: profile.nodeCount * 4 + profile.names.count * 24 + 64)
        out.raw("flame-graph-stacks 2 ")
        out.text(profile.unit.rawValue)
        out.raw(profile.isDifferential ? " 1\nnames " : " 0\nnames ")
        out.int(profile.names.count)
        out.raw("\n")
        for id in 0..<Int32(profile.names.count) {
            // Names never hold a newline (importers replace it), so one per line is unambiguous.
            profile.names.withBytes(id) { out.bytes.append(contentsOf: $0) }
            out.raw("\n")
        }
        let count = max(profile.nodeCount, 1)
        func integral(_ w: [Double]) -> Bool { w.allSatisfy { $0 >= 0 && $0 <= 9e15 && $0 == $0.rounded() } }
        let varint = integral(profile.selfWeight) && (profile.selfBefore.map(integral) ?? true)
        out.raw("nodes ")
        out.int(count - 1)
        out.raw(varint ? " varint\n" : " f64\n")
        for node in 1..<count { appendVarint(UInt64(node - Int(profile.parent[node])), to: &out.bytes) }
        for node in 1..<count { appendVarint(UInt64(profile.name[node] + 1), to: &out.bytes) }
        for column in [profile.selfWeight, profile.selfBefore].compactMap({ $0 }) {
            for node in 1..<count {
                if varint {
                    appendVarint(UInt64(column[node]), to: &out.bytes)
                } else {
                    withUnsafeBytes(of: column[node].bitPattern.littleEndian) { out.bytes.append(contentsOf: $0) }
                }
            }
        }
        return out.bytes
    }

    @inline(__always)
    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Reads a version-2 element's content (base64 text).
    public static func readEncoded(_ base64: ArraySlice<UInt8>) throws -> Profile? {
        guard let compressed = Base64.decode(base64) else {
            throw FlameGraphError(.badInput, "embedded flame-graph stacks are corrupt: not base64")
        }
        let text: [UInt8]
        do {
            text = try Gzip.decompress(compressed, limit: 1 << 32)
        } catch let e as FlameGraphError {
            throw FlameGraphError(.badInput, "embedded flame-graph stacks are corrupt: \(e.message)")
        }
        return try read(text[...])
    }

    /// Reads the profile from an embedded-stacks payload (version 1 text already XML-unescaped, or
    /// version 2 after decoding). Returns nil when `text` is not one; throws when it is one but broken.
    public static func read(_ text: ArraySlice<UInt8>) throws -> Profile? {
        var lines = LineCursor(text)
        lines.skipBlankLines()
        func broken(_ why: String) -> FlameGraphError {
            FlameGraphError(.badInput, "embedded flame-graph stacks are corrupt: \(why)")
        }
        func string(_ s: ArraySlice<UInt8>) -> String { String(decoding: s, as: UTF8.self) }
        guard let header = lines.popFirst(), string(header).hasPrefix(magic + " ") else { return nil }
        let fields = string(header).split(separator: " ")
        guard fields.count >= 4, fields[1] == "1" || fields[1] == "2" else {
            throw broken("unknown version line '\(string(header.prefix(80)))'")
        }
        let version = fields[1] == "2" ? 2 : 1
        var profile = Profile()
        profile.unit = WeightUnit(rawValue: String(fields[2])) ?? .samples
        let differential = fields[3] == "1"
        if differential { profile.makeDifferential() }
        guard let namesLine = lines.popFirst().map(string), namesLine.hasPrefix("names "),
            let nameCount = Int(namesLine.dropFirst(6)), nameCount >= 0, nameCount <= lines.remaining
        else { throw broken("missing names count") }
        var ids: [Int32] = []
        ids.reserveCapacity(nameCount)
        for _ in 0..<nameCount {
            guard let name = lines.popFirst() else { throw broken("names end early") }
            ids.append(
                name.isEmpty
                    ? profile.names.intern("")
                    : name.withUnsafeBytes { profile.names.intern($0.baseAddress!, $0.count) })
        }
        guard let nodesLine = lines.popFirst().map(string), nodesLine.hasPrefix("nodes "),
            let nodeCount = Int(nodesLine.dropFirst(6).prefix(while: { $0 != " " })), nodeCount >= 0
        else { throw broken("missing nodes count") }
        if version == 2 {
            // The binary columns start right after the nodes line.
            try readColumns(
                text[lines.position...], count: nodeCount, doubles: nodesLine.hasSuffix(" f64"), ids: ids,
                differential: differential, into: &profile)
            return profile
        }
        guard nodeCount <= lines.remaining else { throw broken("missing nodes") }
        var map: [Int32] = [0]
        map.reserveCapacity(nodeCount + 1)
        for i in 0..<nodeCount {
            guard let line = lines.popFirst() else { throw broken("nodes end early") }
            let parts = line.split(separator: 0x20)
            guard parts.count == (differential ? 4 : 3), let parent = Int(string(parts[0])),
                let nameIndex = Int(string(parts[1])), let weight = Double(string(parts[2])), weight.isFinite,
                nameIndex >= 1, nameIndex <= ids.count, parent >= 0, parent <= i
            else { throw broken("bad node line \(i + 1)") }
            let node = profile.child(of: map[parent], named: ids[nameIndex - 1])
            map.append(node)
            profile.selfWeight[Int(node)] += weight
            if differential {
                guard let before = Double(string(parts[3])), before.isFinite else {
                    throw broken("bad node line \(i + 1)")
                }
                profile.selfBefore![Int(node)] += before
            }
        }
        return profile
    }

    /// Version 2's binary node columns (see `payload`).
    static func readColumns(
        _ bytes: ArraySlice<UInt8>, count: Int, doubles: Bool, ids: [Int32], differential: Bool,
        into profile: inout Profile
    ) throws {
        func broken(_ why: String) -> FlameGraphError {
            FlameGraphError(.badInput, "embedded flame-graph stacks are corrupt: \(why)")
        }
        var i = bytes.startIndex
        func varint() throws -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while i < bytes.endIndex {
                let b = bytes[i]
                i += 1
                guard shift < 64 else { break }
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return v }
                shift += 7
            }
            throw broken("node columns end early")
        }
        func weight() throws -> Double {
            if !doubles { return Double(try varint()) }
            guard bytes.endIndex - i >= 8 else { throw broken("node columns end early") }
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            i += 8
            let w = Double(bitPattern: bits)
            guard w.isFinite else { throw broken("a weight is not a finite number") }
            return w
        }
        // Every node costs at least one byte per column, so a count beyond the bytes is corrupt.
        guard count <= bytes.count else { throw broken("more nodes than data") }
        var map: [Int32] = [0]
        map.reserveCapacity(count + 1)
        var names: [Int] = []
        names.reserveCapacity(count)
        var backs: [Int] = []
        backs.reserveCapacity(count)
        for _ in 0..<count { backs.append(Int(clamping: try varint())) }
        for _ in 0..<count { names.append(Int(clamping: try varint())) }
        for k in 0..<count {
            let parent = k + 1 - backs[k]
            guard backs[k] >= 1, parent >= 0, names[k] >= 1, names[k] <= ids.count else {
                throw broken("bad node \(k + 1)")
            }
            map.append(profile.child(of: map[parent], named: ids[names[k] - 1]))
        }
        for k in 0..<count { profile.selfWeight[Int(map[k + 1])] += try weight() }
        if differential {
            for k in 0..<count { profile.selfBefore![Int(map[k + 1])] += try weight() }
        }
        guard i == bytes.endIndex else { throw broken("data after the node columns") }
    }
}

/// Lines of a byte buffer, one at a time, leaving the rest (binary columns) untouched.
struct LineCursor {
    let bytes: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// An upper bound on the lines left (every line costs at least its newline, or ends the data).
    var remaining: Int { bytes.endIndex - position + 1 }

    mutating func popFirst() -> ArraySlice<UInt8>? {
        guard position < bytes.endIndex else { return nil }
        let end = bytes[position...].firstIndex(of: 0x0A) ?? bytes.endIndex
        let line = bytes[position..<end]
        position = min(end + 1, bytes.endIndex)
        return line
    }

    mutating func skipBlankLines() {
        while position < bytes.endIndex {
            let end = bytes[position...].firstIndex(of: 0x0A) ?? bytes.endIndex
            guard bytes[position..<end].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }), end < bytes.endIndex
            else { return }
            position = end + 1
        }
    }
}
