/// The frames: one `<g>` (or `<a>`) per drawn frame with its tooltip, rectangle and label.
extension FlameGraphSVG.Writer {
    /// Space between a frame's edges and its label, in pixels (the script uses the same).
    static let textInset = 3.0

    /// Writes the frames, then the embedded stacks when `embed`.
    mutating func frames(embed: Bool) {
        out.raw("<svg id=\"frames\" x=\"10\" width=\"")
        out.fixed(framesWidth, 0)
        out.raw("\" total_samples=\"")
        out.text(NumberFormatting.weight(layout.total))
        out.raw("\">\n")
        let all = layout.frames[...]
        guard writesInPieces else {
            writeFrames(all)
            out.raw("</svg>\n")
            if embed { EmbeddedStacks.write(profile, to: &out) }
            return
        }
        // Pieces written on both cores, each into its own buffer with its own name and colour caches,
        // kept in order: the bytes are those one lane writes. The embedded stacks are one more piece,
        // started first: it is the largest.
        let count = 8
        var lane = self
        lane.out = ByteBuffer(capacity: all.count * 260 / count + 8192)
        let bounds = (0...count).map { all.startIndex + all.count * $0 / count }
        var pieces: [Piece] = embed ? [.stacks(ByteBuffer())] : []
        pieces += (0..<count).map { .frames(bounds[$0]..<bounds[$0 + 1], lane) }
        let profile = self.profile
        TwoLanes.each(&pieces) { piece in
            let work = piece
            piece = .taken  // the piece's buffer stays uniquely referenced while it grows
            switch work {
            case .frames(let range, var writer):
                writer.writeFrames(all[range])
                piece = .frames(range, writer)
            case .stacks(var buffer):
                EmbeddedStacks.write(profile, to: &buffer)
                piece = .stacks(buffer)
            case .taken: break
            }
        }
        // The pieces become parts of the output as they are, not copied into `out`.
        finished.append(out.bytes)
        for case .frames(_, let writer) in pieces {
            finished.append(writer.out.bytes)
            usedColors.merge(writer.usedColors) { a, _ in a }
        }
        out = ByteBuffer(capacity: 64)
        out.raw("</svg>\n")
        for case .stacks(let buffer) in pieces {
            finished.append(out.bytes)
            out = buffer
        }
    }

    /// Work for one core: a run of frames with its own writer, or the embedded stacks.
    enum Piece {
        case frames(Range<Int>, FlameGraphSVG.Writer)
        case stacks(ByteBuffer)
        case taken
    }

    mutating func writeFrames(_ frames: ArraySlice<LaidOutFrame>) {
        let charWidth = fontSize * options.fontWidth
        let inset = Self.textInset
        let total = layout.total
        for f in frames {
            let nameID = f.node == 0 ? -1 : profile.name[Int(f.node)]
            let y: Double =
                options.inverted
                ? ypad1 + Double(f.depth) * frameHeight + 1
                : imageHeight - ypad2 - Double(f.depth + 1) * frameHeight + 1
            let xPct = f.start / total * 100
            let wPct = f.width / total * 100
            let nameBytes = escapedName(nameID)
            let attrs =
                nameID >= 0 && !options.nameAttributes.isEmpty
                ? options.nameAttributes[profile.names.string(nameID)] : nil
            openFrame(attrs)
            if let title = attrs?.title {
                out.text(title)
            } else if let decorator, f.node != 0 {
                out.text(decorator.title(node: f.node, name: Self.displayName(profile.names.string(nameID))))
            } else {
                out.append(nameBytes)
                titleCounts(f)
            }
            out.raw("</title>")
            openRect(x: .pct(xPct), y: .px(y, 0), width: .pct(wPct), height: .px(frameHeight - 1, 0))
            out.raw(" fill=\"")
            let fill =
                decorator.flatMap { f.node != 0 ? $0.fill(node: f.node) : nil } ?? color(for: f, nameID: nameID)
            out.rgb(fill)
            if let stroke = decorator.flatMap({ f.node != 0 ? $0.stroke(node: f.node) : nil }) {
                out.raw("\" stroke=\"")
                out.rgb(stroke)
                out.raw("\" stroke-width=\"1.5")
            }
            out.raw("\" fg:x=\"")
            appendWeight(f.start)
            out.raw("\" fg:w=\"")
            appendWeight(f.width)
            out.raw("\"/><text x=\"")
            out.fixed(xPct, 4)
            out.raw("%\" dx=\"")
            out.text(NumberFormatting.weight(inset))
            out.raw("\" y=\"")
            out.fixed(y + (frameHeight - 1) / 2 + fontSize / 4, 2)
            // Black or white text, whichever reads better on this fill (≥ 4.5:1 either way).
            out.raw(TextContrast.prefersLightText(on: fill) ? "\" class=\"l\">" : "\">")
            // Room inside the frame: the inset on both sides, so a label never touches the next frame.
            let chars = Int((wPct / 100 * framesWidth - 2 * inset) / charWidth)
            label(nameID, nameBytes, chars)
            out.raw(attrs?.href != nil ? "</text></a>\n" : "</text></g>\n")
        }
    }

    /// Opens a frame element: `<g>`, or `<a>` for a frame with a link, with its extra attributes.
    mutating func openFrame(_ attrs: RenderOptions.FrameAttributes?) {
        guard let attrs else {
            out.raw("<g><title>")
            return
        }
        out.raw(attrs.href != nil ? "<a" : "<g")
        for (k, v) in attrs.attributes {
            out.raw(" ")
            out.text(k)
            out.raw("=\"")
            out.text(v)
            out.raw("\"")
        }
        if let href = attrs.href {
            out.raw(" xlink:href=\"")
            out.text(href)
            out.raw("\"")
            if !attrs.attributes.contains(where: { $0.0 == "target" }) { out.raw(" target=\"_top\"") }
        }
        out.raw("><title>")
    }

    mutating func titleCounts(_ f: LaidOutFrame) {
        let total = layout.total
        out.raw(" (")
        if profile.unit == .samples && options.countName == nil {
            // The common case as bytes (what `WeightFormat.describe` gives, without a string per frame).
            NumberFormatting.appendGrouped(f.width, to: &out.bytes)
            out.raw(WeightFormat.sampleNoun(f.width))
        } else {
            out.text(WeightFormat.describe(f.width, unit: profile.unit, countName: options.countName))
        }
        out.raw(", ")
        out.percent(f.width, of: total)
        if options.coloring == .differential && f.node != 0 {
            // Before → after, in that order, as every differential text reads.
            let d = f.selfAfter - f.selfBefore
            out.raw("; self ")
            out.text(NumberFormatting.grouped(f.selfBefore))
            out.raw(" → ")
            out.text(NumberFormatting.grouped(f.selfAfter))
            out.raw(", ")
            if d > 0 { out.raw("+") }
            out.text(NumberFormatting.fixed(d / total * 100, decimals: 2))
            out.raw("%")
        }
        out.raw(")")
    }

    /// Names are shown without the `_[k]`/`_[j]`/`_[i]`/`_[w]` annotations that only pick colours.
    static func displayName(_ name: String) -> String {
        hasAnnotation(name.utf8) ? String(name.dropLast(4)) : name
    }

    static func hasAnnotation<C: BidirectionalCollection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        guard bytes.count >= 4 else { return false }
        let tail = Array(bytes.suffix(4))
        return tail[0] == 0x5F && tail[1] == 0x5B && tail[3] == 0x5D
            && (tail[2] == 0x6B || tail[2] == 0x6A || tail[2] == 0x69 || tail[2] == 0x77)
    }

    @inline(__always)
    mutating func appendWeight(_ w: Double) {
        NumberFormatting.appendWeight(w, to: &out.bytes)
    }

    mutating func escapedName(_ id: Int32) -> [UInt8] {
        if id < 0 { return Array("all".utf8) }
        if let cached = escapedNames[Int(id)] { return cached }
        var bytes: [UInt8] = []
        XMLText.append(Self.displayName(profile.names.string(id)), to: &bytes)
        escapedNames[Int(id)] = bytes
        return bytes
    }

    mutating func label(_ id: Int32, _ escaped: [UInt8], _ chars: Int) {
        if chars < 3 { return }
        let raw = profile.names.bytes(id < 0 ? 0 : id)
        let name = id < 0 ? "all" : nil
        // Fast path: ASCII names that fit need no cutting, and their escaped form is cached.
        if let name {
            out.text(XMLText.truncate(name, maxChars: chars))
            return
        }
        if raw.count <= chars && !raw.contains(where: { $0 >= 0x80 }) && !Self.hasAnnotation(raw) {
            out.append(escaped)
            return
        }
        let s = Self.displayName(profile.names.string(id))
        out.text(XMLText.truncate(s, maxChars: chars, fromLeft: options.truncateTextRight))
    }

    mutating func color(for f: LaidOutFrame, nameID: Int32) -> Palette.RGB {
        switch options.coloring {
        case .hotCold:
            return HotColdColor.color(HotColdColor.heat(share: f.width / layout.total))
        case .widthDiffusion:
            // Wider frames are darker red; the root is the darkest.
            let share = layout.total > 0 ? f.width / layout.total : 0
            let c = Int(205 * (1 - share.squareRoot()))
            return Palette.RGB(255, c, c)
        case .differential:
            return DiffColor.color(delta: f.selfAfter - f.selfBefore, maxDelta: maxDelta)
        case .palette:
            if nameID < 0 { return Palette.RGB(250, 250, 250) }
            if let grey = Palette.separatorColor(profile.names.string(nameID)) { return grey }
            if case .random = options.colorMode {
                return options.palette.color(
                    for: profile.names.string(nameID), mode: options.colorMode, random: &random)
            }
            if let c = colorCache[Int(nameID)] { return c }
            let name = profile.names.string(nameID)
            let c = options.paletteMap?[name] ?? options.palette.color(for: name, random: &random)
            colorCache[Int(nameID)] = c
            if options.paletteMap != nil { usedColors[name] = c }
            return c
        }
    }
}
