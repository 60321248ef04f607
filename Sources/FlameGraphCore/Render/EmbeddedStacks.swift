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

    /// Version 2 text: a header, the names one a line, then one line per node: how many nodes back
    /// its parent is (small numbers compress well), its name's 1-based index and its self weight.
    static func payload(_ profile: Profile) -> [UInt8] {
        var out = ByteBuffer(capacity: profile.nodeCount * 12 + profile.names.count * 24 + 64)
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
        out.raw("nodes ")
        out.int(profile.nodeCount - 1)
        out.raw("\n")
        for node in 1..<max(profile.nodeCount, 1) {
            out.int(node - Int(profile.parent[node]))
            out.raw(" ")
            out.int(Int(profile.name[node]) + 1)
            out.raw(" ")
            NumberFormatting.appendWeight(profile.selfWeight[node], to: &out.bytes)
            if let before = profile.selfBefore {
                out.raw(" ")
                NumberFormatting.appendWeight(before[node], to: &out.bytes)
            }
            out.raw("\n")
        }
        return out.bytes
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
        var lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)[...]
        while let first = lines.first, first.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
            lines = lines.dropFirst()
        }
        func broken(_ why: String) -> FlameGraphError {
            FlameGraphError(.badInput, "embedded flame-graph stacks are corrupt: \(why)")
        }
        func string(_ s: ArraySlice<UInt8>) -> String { String(decoding: s, as: UTF8.self) }
        guard let header = lines.popFirst(), string(header).hasPrefix(magic + " ") else { return nil }
        let fields = string(header).split(separator: " ")
        guard fields.count >= 4, fields[1] == "1" || fields[1] == "2" else {
            throw broken("unknown version line '\(string(header.prefix(80)))'")
        }
        let relativeParents = fields[1] == "2"
        var profile = Profile()
        profile.unit = WeightUnit(rawValue: String(fields[2])) ?? .samples
        let differential = fields[3] == "1"
        if differential { profile.makeDifferential() }
        guard let namesLine = lines.popFirst().map(string), namesLine.hasPrefix("names "),
            let nameCount = Int(namesLine.dropFirst(6)), nameCount >= 0, nameCount <= lines.count
        else { throw broken("missing names count") }
        var ids: [Int32] = []
        ids.reserveCapacity(nameCount)
        for _ in 0..<nameCount {
            let name = lines.popFirst()!
            ids.append(
                name.isEmpty
                    ? profile.names.intern("")
                    : name.withUnsafeBytes { profile.names.intern($0.baseAddress!, $0.count) })
        }
        guard let nodesLine = lines.popFirst().map(string), nodesLine.hasPrefix("nodes "),
            let nodeCount = Int(nodesLine.dropFirst(6)), nodeCount >= 0, nodeCount <= lines.count
        else { throw broken("missing nodes count") }
        var map: [Int32] = [0]
        map.reserveCapacity(nodeCount + 1)
        for i in 0..<nodeCount {
            let parts = lines.popFirst()!.split(separator: 0x20)
            guard parts.count == (differential ? 4 : 3), let p = Int(string(parts[0])),
                let nameIndex = Int(string(parts[1])), let weight = Double(string(parts[2])), weight.isFinite,
                nameIndex >= 1, nameIndex <= nameCount
            else { throw broken("bad node line \(i + 1)") }
            let parent = relativeParents ? i + 1 - p : p
            guard parent >= 0, parent <= i else { throw broken("bad parent on node line \(i + 1)") }
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
}
