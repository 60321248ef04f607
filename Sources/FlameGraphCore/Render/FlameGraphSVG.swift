/// Draws a profile as a standalone, interactive SVG flame graph (structure: `docs/SVG_FORMAT.md`).
public enum FlameGraphSVG {
    static let xpad = 10.0

    /// Renders `profile`. Fails (bad input) when there is nothing to draw.
    public static func render(_ profile: Profile, options: RenderOptions) throws -> [UInt8] {
        var unused: [String: Palette.RGB] = [:]
        return try render(profile, options: options, usedColors: &unused)
    }

    /// Renders `profile` with colours and tooltips from `decorator` (differential graphs).
    public static func render(_ profile: Profile, options: RenderOptions, decorator: any FrameDecorator) throws
        -> [UInt8]
    {
        var unused: [String: Palette.RGB] = [:]
        return try render(profile, options: options, usedColors: &unused, decorator: decorator)
    }

    /// Renders `profile` and reports the colour given to each function name (for `--cp` palette maps).
    public static func render(
        _ profile: Profile, options: RenderOptions, usedColors: inout [String: Palette.RGB],
        decorator: (any FrameDecorator)? = nil
    ) throws -> [UInt8] {
        let total = profile.totalWeight
        guard total > 0, total.isFinite else {
            throw FlameGraphError(.badInput, "no stack counts found: the profile has no samples to draw")
        }
        let framesWidth = Double(options.width) - 2 * xpad
        guard framesWidth > 0 else {
            throw FlameGraphError(.usage, "--width \(options.width) leaves no room for frames (minimum 21)")
        }
        let minWeight: Double
        switch options.minWidth {
        case .pixels(let px): minWeight = total * px / framesWidth
        case .percent(let pct): minWeight = total * pct / 100
        }
        let layout =
            options.flameChart
            ? FlameLayoutBuilder.flameChart(profile, minWidth: minWeight)
            : FlameLayoutBuilder.layout(profile, minWidth: minWeight)
        var writer = Writer(
            profile: profile, options: options, layout: layout, framesWidth: framesWidth, decorator: decorator)
        writer.write()
        usedColors = writer.usedColors
        return writer.out.bytes
    }

    struct Writer {
        let profile: Profile
        let options: RenderOptions
        let layout: FlameLayout
        let framesWidth: Double
        let decorator: (any FrameDecorator)?
        var out = ByteBuffer()
        var escapedNames: [[UInt8]?]
        var colorCache: [Palette.RGB?]
        var random: SeededRandom
        var usedColors: [String: Palette.RGB] = [:]

        let fontSize: Double
        let frameHeight: Double
        let ypad1: Double
        let ypad2: Double
        let imageHeight: Double
        let hasLegend: Bool
        var maxDelta = 0.0

        init(
            profile: Profile, options: RenderOptions, layout: FlameLayout, framesWidth: Double,
            decorator: (any FrameDecorator)?
        ) {
            self.decorator = decorator
            self.profile = profile
            self.options = options
            self.layout = layout
            self.framesWidth = framesWidth
            escapedNames = Array(repeating: nil, count: profile.names.count)
            colorCache = Array(repeating: nil, count: profile.names.count)
            if case .random(let seed) = options.colorMode {
                random = SeededRandom(seed: seed)
            } else {
                random = SeededRandom(seed: 1)
            }
            fontSize = options.fontSize
            frameHeight = Double(options.frameHeight)
            hasLegend = options.coloring == .hotCold || options.coloring == .differential || decorator != nil
            var top = fontSize * 3
            if options.subtitle != nil { top += fontSize * 2 }
            if hasLegend { top += fontSize + 10 }
            ypad1 = top
            ypad2 = fontSize * 2 + 10
            imageHeight = (Double(layout.maxDepth) + 1) * frameHeight + ypad1 + ypad2
            if options.coloring == .differential {
                for f in layout.frames { maxDelta = max(maxDelta, abs(f.selfAfter - f.selfBefore)) }
            }
        }

        mutating func write() {
            out.bytes.reserveCapacity(layout.frames.count * 260 + 8192)
            header()
            frames()
            if options.embedStacks { EmbeddedStacks.write(profile, to: &out) }
            out.raw("</svg>\n")
        }

        mutating func header() {
            let w = options.width
            let h = Int(imageHeight.rounded())
            out.raw("<?xml version=\"1.0\" standalone=\"no\"?>\n")
            out.raw(
                "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
            )
            out.raw("<svg version=\"1.1\" width=\"")
            out.int(w)
            out.raw("\" height=\"")
            out.int(h)
            out.raw("\" onload=\"init(evt)\" viewBox=\"0 0 ")
            out.int(w)
            out.raw(" ")
            out.int(h)
            out.raw(
                "\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:fg=\"http://github.com/jonhoo/inferno\" data-generator=\"flame-graph\">\n"
            )
            out.raw("<!--Flame graph drawn by flame-graph. Hover for details, click to zoom, Ctrl+F to search.-->\n")
            if let notes = options.notes {
                out.raw("<desc id=\"notes\">")
                out.text(notes)
                out.raw("</desc>\n")
            }
            let (top, bottom) = options.background ?? options.palette.background
            out.raw("<defs>\n<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">")
            out.raw("<stop stop-color=\"")
            out.text(hasLegend && options.background == nil ? "#f8f8f8" : top)
            out.raw("\" offset=\"5%\"/><stop stop-color=\"")
            out.text(hasLegend && options.background == nil ? "#e8e8e8" : bottom)
            out.raw("\" offset=\"95%\"/></linearGradient>\n")
            if hasLegend { legendGradient() }
            out.raw("</defs>\n<style type=\"text/css\">\ntext { font-family:")
            out.text(cssFontFamily(options.fontType))
            out.raw("; font-size:")
            out.text(NumberFormatting.weight(fontSize))
            out.raw("px; fill:")
            out.text(options.uiColor)
            out.raw(" }\n#frames text { fill:rgb(0,0,0) }\n#title { text-anchor:middle; font-size:")
            out.text(NumberFormatting.weight(fontSize + 5))
            out.raw("px; }\n#subtitle { text-anchor:middle; fill:rgb(160,160,160); }\n")
            out.raw("#search, #ignorecase, #matched { text-anchor:end; }\n")
            out.text(InteractiveScript.css)
            out.raw("</style>\n<script type=\"text/ecmascript\"><![CDATA[\nvar fg = {nametype: ")
            jsString(options.nameType)
            out.raw(", fontsize: ")
            out.text(NumberFormatting.weight(fontSize))
            out.raw(", fontwidth: ")
            out.text(String(options.fontWidth))
            out.raw(", xpad: 10, inverted: ")
            out.raw(options.inverted ? "true" : "false")
            out.raw(", searchcolor: ")
            jsString(options.searchColor)
            out.raw(", countname: ")
            jsString(options.countName)
            out.raw(", total: ")
            out.text(NumberFormatting.weight(layout.total))
            out.raw(", differential: ")
            out.raw(options.coloring == .differential ? "true" : "false")
            out.raw(", truncateleft: ")
            out.raw(options.truncateTextRight ? "true" : "false")
            out.raw("};\n")
            // The script is ours and contains no "]]>"; checked by a test.
            out.bytes.append(contentsOf: InteractiveScript.javaScript.utf8)
            out.raw("]]></script>\n")
            out.raw("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"")
            out.int(h)
            out.raw("\" fill=\"url(#background)\"/>\n")
            textElement(id: "title", x: "50%", y: fontSize * 2, options.resolvedTitle)
            if let subtitle = options.subtitle {
                textElement(id: "subtitle", x: "50%", y: fontSize * 4, subtitle)
            }
            let bottomY = imageHeight - ypad2 / 2
            textElement(id: "details", x: "10", y: bottomY, " ")
            out.raw("<text id=\"unzoom\" class=\"hide\" x=\"10\" y=\"")
            out.fixed(fontSize * 2, 2)
            out.raw("\">Reset Zoom</text>\n")
            textElement(id: "search", x: String(options.width - 34), y: fontSize * 2, "Search")
            textElement(id: "ignorecase", x: String(options.width - 10), y: fontSize * 2, "ic")
            textElement(id: "matched", x: String(options.width - 10), y: bottomY, " ")
            if hasLegend { legend() }
        }

        mutating func textElement(id: StaticString, x: String, y: Double, _ content: String) {
            out.raw("<text id=\"")
            out.raw(id)
            out.raw("\" x=\"")
            out.text(x)
            out.raw("\" y=\"")
            out.fixed(y, 2)
            out.raw("\">")
            out.text(content)
            out.raw("</text>\n")
        }

        /// A JavaScript string literal inside CDATA: escape what JS needs, and never emit "]]>".
        mutating func jsString(_ s: String) {
            var lit = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\\": lit += "\\\\"
                case "\"": lit += "\\\""
                case "<", ">", "]", "&": lit += "\\u" + hex4(u.value)
                default:
                    if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                        lit += "\\u" + hex4(u.value)
                    } else {
                        lit.unicodeScalars.append(u)
                    }
                }
            }
            lit += "\""
            out.bytes.append(contentsOf: lit.utf8)
        }

        func hex4(_ v: UInt32) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, 4 - s.count)) + s
        }

        /// Font family names with spaces must be quoted in CSS; quotes and markup are dropped.
        func cssFontFamily(_ name: String) -> String {
            let clean = String(name.unicodeScalars.filter { !"\"';{}<>&\\".unicodeScalars.contains($0) })
            return clean.contains(" ") ? "'\(clean)'" : (clean.isEmpty ? "monospace" : clean)
        }

        mutating func legendGradient() {
            out.raw("<linearGradient id=\"legend-gradient\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">")
            let stops: [(Double, Palette.RGB)]
            if let decorator {
                stops = decorator.legend.stops
            } else if options.coloring == .hotCold {
                stops = [(0, HotColdColor.color(0)), (0.5, HotColdColor.color(0.5)), (1, HotColdColor.color(1))]
            } else {
                stops = [
                    (0, DiffColor.color(delta: -1, maxDelta: 1)), (0.5, DiffColor.color(delta: 0, maxDelta: 1)),
                    (1, DiffColor.color(delta: 1, maxDelta: 1)),
                ]
            }
            for (offset, c) in stops {
                out.raw("<stop offset=\"")
                out.int(Int(offset * 100))
                out.raw("%\" stop-color=\"")
                out.text(c.description)
                out.raw("\"/>")
            }
            out.raw("</linearGradient>\n")
        }

        mutating func legend() {
            let y = ypad1 - fontSize - 10
            let barWidth = 200.0
            let x0 = (Double(options.width) - barWidth) / 2
            var (left, right) =
                options.coloring == .hotCold ? ("cold (rarely sampled)", "hot (most samples)") : ("shrank", "grew")
            if let decorator { (left, right) = (decorator.legend.left, decorator.legend.right) }
            out.raw("<g id=\"legend\">")
            out.raw("<rect x=\"")
            out.fixed(x0, 2)
            out.raw("\" y=\"")
            out.fixed(y, 2)
            out.raw("\" width=\"")
            out.fixed(barWidth, 2)
            out.raw("\" height=\"")
            out.fixed(fontSize, 2)
            out.raw("\" fill=\"url(#legend-gradient)\"/>")
            out.raw("<text x=\"")
            out.fixed(x0 - 6, 2)
            out.raw("\" y=\"")
            out.fixed(y + fontSize - 2, 2)
            out.raw("\" style=\"text-anchor:end\">")
            out.text(left)
            out.raw("</text><text x=\"")
            out.fixed(x0 + barWidth + 6, 2)
            out.raw("\" y=\"")
            out.fixed(y + fontSize - 2, 2)
            out.raw("\">")
            out.text(right)
            out.raw("</text>")
            // Swatches for the colours that are not on the ramp (new frames, not significant, …).
            var x = x0 + barWidth + 6 + Double(right.count + 3) * fontSize * options.fontWidth
            for (label, color) in decorator?.legend.swatches ?? [] {
                out.raw("<rect x=\"")
                out.fixed(x, 2)
                out.raw("\" y=\"")
                out.fixed(y, 2)
                out.raw("\" width=\"")
                out.fixed(fontSize, 2)
                out.raw("\" height=\"")
                out.fixed(fontSize, 2)
                out.raw("\" fill=\"")
                out.text(color.description)
                out.raw("\"/><text x=\"")
                out.fixed(x + fontSize + 4, 2)
                out.raw("\" y=\"")
                out.fixed(y + fontSize - 2, 2)
                out.raw("\">")
                out.text(label)
                out.raw("</text>")
                x += fontSize + 4 + Double(label.count + 2) * fontSize * options.fontWidth
            }
            out.raw("</g>\n")
        }

        mutating func frames() {
            out.raw("<svg id=\"frames\" x=\"10\" width=\"")
            out.fixed(framesWidth, 0)
            out.raw("\" total_samples=\"")
            out.text(NumberFormatting.weight(layout.total))
            out.raw("\">\n")
            let charWidth = fontSize * options.fontWidth
            let total = layout.total
            for f in layout.frames {
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
                out.raw("</title><rect x=\"")
                out.fixed(xPct, 4)
                out.raw("%\" y=\"")
                out.fixed(y, 0)
                out.raw("\" width=\"")
                out.fixed(wPct, 4)
                out.raw("%\" height=\"")
                out.fixed(frameHeight - 1, 0)
                out.raw("\" fill=\"")
                out.text(
                    (decorator.flatMap { f.node != 0 ? $0.fill(node: f.node) : nil } ?? color(for: f, nameID: nameID))
                        .description)
                if let stroke = decorator.flatMap({ f.node != 0 ? $0.stroke(node: f.node) : nil }) {
                    out.raw("\" stroke=\"")
                    out.text(stroke.description)
                    out.raw("\" stroke-width=\"1.5")
                }
                out.raw("\" fg:x=\"")
                appendWeight(f.start)
                out.raw("\" fg:w=\"")
                appendWeight(f.width)
                out.raw("\"/><text x=\"")
                out.fixed(xPct + 3 / framesWidth * 100, 4)
                out.raw("%\" y=\"")
                out.fixed(y + (frameHeight - 1) / 2 + fontSize / 4, 2)
                out.raw("\">")
                let chars = Int(wPct / 100 * framesWidth / charWidth)
                label(nameID, nameBytes, chars)
                out.raw(attrs?.href != nil ? "</text></a>\n" : "</text></g>\n")
            }
            out.raw("</svg>\n")
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
            out.text(NumberFormatting.grouped(f.width))
            out.raw(" ")
            out.text(options.countName)
            out.raw(", ")
            out.text(NumberFormatting.percent(f.width, of: total))
            if options.coloring == .differential && f.node != 0 {
                let d = f.selfAfter - f.selfBefore
                out.raw("; ")
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
}

/// Colours and tooltips chosen per frame by the caller (differential graphs), with their legend.
public protocol FrameDecorator {
    func fill(node: Int32) -> Palette.RGB
    /// The whole tooltip text for the frame.
    func title(node: Int32, name: String) -> String
    var legend: Legend { get }
    /// An outline for the frame (the differential graph marks significant changes), nil for none.
    func stroke(node: Int32) -> Palette.RGB?
}

extension FrameDecorator {
    public func stroke(node: Int32) -> Palette.RGB? { nil }
}

/// What the legend above the frames shows: a colour ramp between two labels, then named swatches.
public struct Legend: Sendable {
    public var stops: [(Double, Palette.RGB)]
    public var left: String
    public var right: String
    public var swatches: [(String, Palette.RGB)]
    public init(stops: [(Double, Palette.RGB)], left: String, right: String, swatches: [(String, Palette.RGB)]) {
        self.stops = stops
        self.left = left
        self.right = right
        self.swatches = swatches
    }
}

/// Hot/cold colours: a cool-to-warm ramp over a frame's share of all samples.
public enum HotColdColor {
    /// Heat in [0, 1] for a share in [0, 1], on a log scale so that 0.1 %, 1 %, 10 % and 100 % are
    /// evenly spaced: most frames are small, and a linear scale would paint them all the same blue.
    public static func heat(share: Double) -> Double {
        guard share > 0 else { return 0 }
        return min(1, max(0, (log10Approx(share) + 3) / 3))
    }

    static func log10Approx(_ x: Double) -> Double {
        // log10 without Foundation: ln via the exponent/mantissa split and a short series.
        var m = x
        var e = 0.0
        while m < 1 {
            m *= 10
            e -= 1
        }
        while m >= 10 {
            m /= 10
            e += 1
        }
        // m in [1, 10): ln(m) through atanh series on (m-1)/(m+1).
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        var term = t
        var sum = 0.0
        var k = 1.0
        for _ in 0..<30 {
            sum += term / k
            term *= t2
            k += 2
        }
        return e + 2 * sum / 2.302585092994046
    }

    /// Blue (cold, 0) through light grey to red (hot, 1).
    public static func color(_ heat: Double) -> Palette.RGB {
        let cold = (59.0, 76.0, 192.0), mid = (221.0, 221.0, 221.0), hot = (180.0, 4.0, 38.0)
        let (a, b, t) = heat < 0.5 ? (cold, mid, heat * 2) : (mid, hot, (heat - 0.5) * 2)
        return Palette.RGB(
            Int((a.0 + (b.0 - a.0) * t).rounded()), Int((a.1 + (b.1 - a.1) * t).rounded()),
            Int((a.2 + (b.2 - a.2) * t).rounded()))
    }
}

/// Differential colours, as flamegraph.pl draws them: white for no change, red for growth, blue for
/// shrinkage, saturated in proportion to the largest change in the graph.
public enum DiffColor {
    public static func color(delta: Double, maxDelta: Double) -> Palette.RGB {
        guard maxDelta > 0, delta != 0 else { return Palette.RGB(255, 255, 255) }
        let c = Int(210 * (maxDelta - min(abs(delta), maxDelta)) / maxDelta)
        return delta > 0 ? Palette.RGB(255, c, c) : Palette.RGB(c, c, 255)
    }
}
