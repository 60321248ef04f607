/// Reads stacks back from the frame geometry of SVGs we did not draw: inferno's (`fg:x`/`fg:w`
/// attributes give offsets and widths in samples) and flamegraph.pl's (pixel positions, with the sample
/// count in each tooltip). Frames the drawing tool omitted as too narrow are lost, so the result is
/// approximate — and says so.
enum SVGFrameGeometry {
    struct Frame {
        var name: String
        var y: Double
        /// Position and width in the SVG's own units (samples for inferno, pixels for flamegraph.pl).
        var start: Double
        var width: Double
        /// Samples.
        var weight: Double
    }

    static func read(_ text: String, sourceName: String) throws -> (Profile, Diagnostics) {
        var frames = parseFrames(text)
        guard !frames.isEmpty else {
            throw FlameGraphError(.badInput, "\(sourceName): no flame graph frames found in this SVG")
        }
        let usesSamples = text.contains("fg:w=\"")
        // Rows: distinct y values. The root is the widest frame; the graph grows away from it.
        let root = frames.max { $0.width < $1.width }!
        let ys = Set(frames.map(\.y)).sorted()
        let inverted = root.y == ys.first && ys.count > 1
        let rowOf = Dictionary(uniqueKeysWithValues: (inverted ? ys : ys.reversed()).enumerated().map { ($1, $0) })
        frames.sort { (rowOf[$0.y]!, $0.start) < (rowOf[$1.y]!, $1.start) }
        var profile = Profile()
        // Nodes at the previous row, sorted by start: (start, end, node).
        var previous: [(Double, Double, Int32)] = []
        var current: [(Double, Double, Int32)] = []
        var row = 0
        var childSum: [Int32: Double] = [:]
        var orphans = 0
        let rootRow = rowOf[root.y]!
        let slack = usesSamples ? 1e-6 : 0.6  // pixels are rounded to 0.1 in flamegraph.pl's output
        for f in frames {
            let r = rowOf[f.y]!
            if r < rootRow { continue }
            if r != row {
                if r != row + 1 { previous = [] } else { previous = current }
                current = []
                row = r
            }
            let node: Int32
            if r == rootRow {
                // The root ("all") is not a frame of any stack.
                node = 0
            } else {
                guard
                    let parent = previous.last(where: { $0.0 <= f.start + slack && f.start + f.width <= $0.1 + slack })
                else {
                    orphans += 1
                    continue
                }
                node = profile.child(of: parent.2, named: profile.names.intern(f.name))
                childSum[parent.2, default: 0] += f.weight
            }
            profile.selfWeight[Int(node)] += f.weight
            current.append((f.start, f.start + f.width, node))
        }
        // Self weight = width − children's widths.
        for (node, sum) in childSum { profile.selfWeight[Int(node)] -= sum }
        for i in profile.selfWeight.indices where profile.selfWeight[i] < 1e-9 { profile.selfWeight[i] = 0 }
        var diagnostics = Diagnostics()
        diagnostics.warn(
            "\(sourceName): read from the \(usesSamples ? "inferno" : "flamegraph.pl") frame geometry; frames it omitted as too narrow are missing, so totals are approximate"
        )
        if orphans > 0 {
            diagnostics.warn("\(sourceName): \(orphans) frames had no parent frame below them and were skipped")
        }
        guard profile.totalWeight > 0 else {
            throw FlameGraphError(.badInput, "\(sourceName): the flame graph holds no samples")
        }
        return (profile, diagnostics)
    }

    /// `<title>NAME (N samples, P%)</title>` followed by `<rect … x= y= width= [fg:x= fg:w=]>`.
    static func parseFrames(_ text: String) -> [Frame] {
        var out: [Frame] = []
        var rest = text[...]
        while let open = rest.firstRange(of: "<title>") {
            guard let close = rest[open.upperBound...].firstRange(of: "</title>") else { break }
            let title = SVGProfileReader.unescapeXML(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
            guard let rectStart = rest.firstRange(of: "<rect"),
                let rectEnd = rest[rectStart.upperBound...].firstIndex(of: ">")
            else { break }
            // The rect must belong to this frame: no other element opens in between.
            if rest[..<rectStart.lowerBound].contains("<title>") { continue }
            let attrs = attributes(rest[rectStart.upperBound..<rectEnd])
            rest = rest[rectEnd...]
            guard let yText = attrs["y"], let y = Double(yText) else { continue }
            let (name, count) = splitTitle(title)
            if let fx = attrs["fg:x"].flatMap(Double.init), let fw = attrs["fg:w"].flatMap(Double.init) {
                out.append(Frame(name: name, y: y, start: fx, width: fw, weight: fw))
            } else if let x = attrs["x"].flatMap(pixels), let w = attrs["width"].flatMap(pixels), let count {
                out.append(Frame(name: name, y: y, start: x, width: w, weight: count))
            }
        }
        return out
    }

    static func pixels(_ s: String) -> Double? { s.hasSuffix("%") ? nil : Double(s) }

    /// `name (1,234 samples, 5.6%)` or `name (1,234 samples, 5.6%; +1.2%)` → (`name`, 1234).
    static func splitTitle(_ title: String) -> (String, Double?) {
        guard let open = title[...].lastRange(of: " (") else { return (title, nil) }
        let name = String(title[..<open.lowerBound])
        let digits = title[open.upperBound...].prefix { $0.isNumber || $0 == "," || $0 == "." }.filter { $0 != "," }
        return (name, Double(digits))
    }

    static func attributes(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        var rest = s
        while let eq = rest.firstIndex(of: "=") {
            let key = rest[..<eq].split(separator: " ").last.map(String.init) ?? ""
            var after = rest[rest.index(after: eq)...]
            guard let quote = after.first, quote == "\"" || quote == "'" else { break }
            after = after.dropFirst()
            guard let end = after.firstIndex(of: quote) else { break }
            out[key] = String(after[..<end])
            rest = after[after.index(after: end)...]
        }
        return out
    }
}
