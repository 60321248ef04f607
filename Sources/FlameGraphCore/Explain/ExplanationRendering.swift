/// An explanation as terminal text: fixed layout, deterministic, frame names with control characters
/// replaced so a hostile name cannot drive the terminal.
public enum ExplanationText {
    public static func render(_ e: Explanation) -> String {
        var s = "Hot spots: \(weight(e.totalWeight, e.unit)) in \(e.functionCount) functions\n"
        if e.totalWeight <= 0 {
            s += "\n" + e.observations.map { "  - " + sentence($0) + "\n" }.joined()
            return s
        }
        s += "\n\(e.measure.selfHeading) (\(e.measure.selfWord), top \(e.top)):\n"
        for (i, h) in e.bySelf.enumerated() {
            s += "  \(pad(String(i + 1) + ".", 4)) \(pad(HotSpotExplainer.percent(h.selfShare), 6, right: true)) self"
            s += "  \(pad(HotSpotExplainer.percent(h.totalShare), 6, right: true)) total  \(safe(h.name))"
            s += h.recursive ? "  (recursive)\n" : "\n"
            s +=
                "        heaviest path (\(HotSpotExplainer.percent(h.selfWeight > 0 ? h.pathWeight / h.selfWeight : 0)) of its \(e.measure.selfWord)): "
            s += h.heaviestPath.map(safe).joined(separator: " -> ") + "\n"
        }
        s += "\n\(e.measure.totalHeading) (\(e.measure.totalWord), top \(e.top)):\n"
        if e.byTotal.isEmpty { s += "  (every function is on nearly every stack)\n" }
        for (i, h) in e.byTotal.enumerated() {
            s += "  \(pad(String(i + 1) + ".", 4)) \(pad(HotSpotExplainer.percent(h.totalShare), 6, right: true)) total"
            s += "  \(pad(HotSpotExplainer.percent(h.selfShare), 6, right: true)) self  \(safe(h.name))"
            if let callee = h.topCallee {
                s += "  (mostly in \(safe(callee)): \(HotSpotExplainer.percent(h.topCalleeWeight / h.totalWeight)))"
            }
            s += h.recursive ? "  (recursive)\n" : "\n"
        }
        s += "\nObservations:\n"
        for o in e.observations { s += "  - " + sentence(o) + "\n" }
        return s
    }

    static func sentence(_ o: Explanation.Observation) -> String {
        o.parts.map {
            switch $0 {
            case .text(let t): return t
            case .frame(let f): return safe(f)
            }
        }.joined()
    }

    /// Control characters (escape sequences, newlines) become `?`.
    static func safe(_ name: String) -> String {
        var out = String.UnicodeScalarView()
        for u in name.unicodeScalars {
            out.append(u.value < 0x20 || (0x7F...0x9F).contains(u.value) ? "?" : u)
        }
        return String(out)
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }

    static func weight(_ w: Double, _ unit: WeightUnit) -> String {
        NumberFormatting.grouped(w) + " " + unit.countName
    }
}

/// An explanation as GitHub-flavoured Markdown (a PR comment): frame names are inert inline code,
/// escaped exactly as `MarkdownReport` escapes them.
public enum ExplanationMarkdown {
    public static func render(_ e: Explanation) -> String {
        var s = "## Hot spots explained\n\n"
        s += "**\(ExplanationText.weight(e.totalWeight, e.unit))** in \(e.functionCount) functions.\n\n"
        if e.totalWeight > 0 {
            s += "### \(e.measure.selfHeading) (\(e.measure.selfWord))\n\n"
            s += "| # | Function | Self | Total | Heaviest path |\n|---:|---|---:|---:|---|\n"
            for (i, h) in e.bySelf.enumerated() {
                let path = h.heaviestPath.map { $0 == "…" ? "…" : MarkdownReport.code($0) }.joined(separator: " → ")
                s += "| \(i + 1) | \(MarkdownReport.code(h.name))\(h.recursive ? " (recursive)" : "") | "
                s +=
                    "\(HotSpotExplainer.percent(h.selfShare)) | \(HotSpotExplainer.percent(h.totalShare)) | \(path) |\n"
            }
            s += "\n### \(e.measure.totalHeading) (\(e.measure.totalWord))\n\n"
            if e.byTotal.isEmpty {
                s += "Every function is on nearly every stack.\n"
            } else {
                s += "| # | Function | Total | Self | Mostly in |\n|---:|---|---:|---:|---|\n"
                for (i, h) in e.byTotal.enumerated() {
                    let callee =
                        h.topCallee.map {
                            MarkdownReport.code($0)
                                + " (\(HotSpotExplainer.percent(h.topCalleeWeight / h.totalWeight)))"
                        } ?? "—"
                    s += "| \(i + 1) | \(MarkdownReport.code(h.name))\(h.recursive ? " (recursive)" : "") | "
                    s +=
                        "\(HotSpotExplainer.percent(h.totalShare)) | \(HotSpotExplainer.percent(h.selfShare)) | \(callee) |\n"
                }
            }
            s += "\n"
        }
        s += "### Observations\n\n"
        for o in e.observations {
            s +=
                "- "
                + o.parts.map {
                    switch $0 {
                    case .text(let t): return MarkdownReport.inline(t)
                    case .frame(let f): return MarkdownReport.code(f)
                    }
                }.joined() + "\n"
        }
        return s
    }
}
