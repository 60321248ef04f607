/// The stacks a flame graph was drawn from, embedded in the SVG (`<metadata id="flame-graph-stacks">`,
/// format in `docs/SVG_FORMAT.md`), so a graph can be read back exactly — frames too narrow to draw
/// included.
public enum EmbeddedStacks {
    static let magic = "flame-graph-stacks"

    static func write(_ profile: Profile, to out: inout ByteBuffer) {
        out.raw("<metadata id=\"flame-graph-stacks\">")
        out.raw("flame-graph-stacks 1 ")
        out.text(profile.unit.rawValue)
        out.raw(profile.isDifferential ? " 1\nnames " : " 0\nnames ")
        out.int(profile.names.count)
        out.raw("\n")
        for id in 0..<Int32(profile.names.count) {
            // Names never hold a newline (importers replace it), so one per line is unambiguous.
            profile.names.withBytes(id) { XMLText.append(utf8: $0, to: &out.bytes) }
            out.raw("\n")
        }
        out.raw("nodes ")
        out.int(profile.nodeCount - 1)
        out.raw("\n")
        for node in 1..<max(profile.nodeCount, 1) {
            out.int(Int(profile.parent[node]))
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
        out.raw("</metadata>\n")
    }

    /// Reads the profile embedded in an SVG's metadata text (already XML-unescaped).
    /// Returns nil when `text` is not an embedded-stacks block; throws when it is one but is broken.
    public static func read(_ text: Substring) throws -> Profile? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let first = lines.first, first.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
            lines = lines.dropFirst()
        }
        guard let header = lines.popFirst(), header.hasPrefix(magic + " ") else { return nil }
        func broken(_ why: String) -> FlameGraphError {
            FlameGraphError(.badInput, "embedded flame-graph stacks are corrupt: \(why)")
        }
        let fields = header.split(separator: " ")
        guard fields.count >= 4, fields[1] == "1" else { throw broken("unknown version line '\(header)'") }
        var profile = Profile()
        profile.unit = WeightUnit(rawValue: String(fields[2])) ?? .samples
        let differential = fields[3] == "1"
        if differential { profile.makeDifferential() }
        guard let namesLine = lines.popFirst(), namesLine.hasPrefix("names "),
            let nameCount = Int(namesLine.dropFirst(6)), nameCount >= 0, nameCount <= lines.count
        else { throw broken("missing names count") }
        var ids: [Int32] = []
        ids.reserveCapacity(nameCount)
        for _ in 0..<nameCount {
            ids.append(profile.names.intern(String(lines.popFirst()!)))
        }
        guard let nodesLine = lines.popFirst(), nodesLine.hasPrefix("nodes "),
            let nodeCount = Int(nodesLine.dropFirst(6)), nodeCount >= 0, nodeCount <= lines.count
        else { throw broken("missing nodes count") }
        var map: [Int32] = [0]
        map.reserveCapacity(nodeCount + 1)
        for i in 0..<nodeCount {
            let parts = lines.popFirst()!.split(separator: " ")
            guard parts.count == (differential ? 4 : 3), let parent = Int(parts[0]), let nameIndex = Int(parts[1]),
                let weight = Double(parts[2]), parent >= 0, parent <= i, nameIndex >= 1, nameIndex <= nameCount
            else { throw broken("bad node line \(i + 1)") }
            let node = profile.child(of: map[parent], named: ids[nameIndex - 1])
            map.append(node)
            profile.selfWeight[Int(node)] += weight
            if differential {
                guard let before = Double(parts[3]) else { throw broken("bad node line \(i + 1)") }
                profile.selfBefore![Int(node)] += before
            }
        }
        return profile
    }
}
