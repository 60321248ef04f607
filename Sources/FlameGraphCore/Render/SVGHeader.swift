/// The SVG's head: document element, styles, the script and its settings, title, buttons, legend.
extension FlameGraphSVG.Writer {
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
        out.raw(" }\n#frames text { fill:rgb(0,0,0) }\n#frames text.l { fill:rgb(255,255,255) }\n")
        if let stroke = options.strokeColor {
            out.raw("#frames rect { stroke:")
            out.text(stroke)
            out.raw("; stroke-width:0.5; }\n")
        }
        out.raw("#title { text-anchor:middle; font-size:")
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
        out.raw(", unit: ")
        jsString(options.countName ?? profile.unit.rawValue)
        out.raw(", fluid: ")
        out.raw(options.fluid ? "true" : "false")
        out.raw(", textinset: ")
        out.text(NumberFormatting.weight(Self.textInset))
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
            options.coloring == .hotCold ? ("cold (small share)", "hot (large share)") : ("shrank", "grew")
        if let decorator { (left, right) = (decorator.legend.left, decorator.legend.right) }
        let textY = y + fontSize - 2
        out.raw("<g id=\"legend\">")
        openRect(x: .px(x0), y: .px(y), width: .px(barWidth), height: .px(fontSize))
        out.raw(" fill=\"url(#legend-gradient)\"/>")
        openText(x: .px(x0 - 6), y: .px(textY))
        out.raw(" style=\"text-anchor:end\">")
        out.text(left)
        out.raw("</text>")
        openText(x: .px(x0 + barWidth + 6), y: .px(textY))
        out.raw(">")
        out.text(right)
        out.raw("</text>")
        // Swatches for the colours that are not on the ramp (new frames, not significant, …).
        var x = x0 + barWidth + 6 + Double(right.count + 3) * fontSize * options.fontWidth
        for (label, color) in decorator?.legend.swatches ?? [] {
            openRect(x: .px(x), y: .px(y), width: .px(fontSize), height: .px(fontSize))
            out.raw(" fill=\"")
            out.text(color.description)
            out.raw("\"/>")
            openText(x: .px(x + fontSize + 4), y: .px(textY))
            out.raw(">")
            out.text(label)
            out.raw("</text>")
            x += fontSize + 4 + Double(label.count + 2) * fontSize * options.fontWidth
        }
        out.raw("</g>\n")
    }
}
