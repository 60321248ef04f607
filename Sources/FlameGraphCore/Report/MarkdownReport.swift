/// A pull-request comment (GitHub-flavoured Markdown): a ✅/❌/⚠️ verdict line (with the capture that
/// would settle an inconclusive one), the regressions, inconclusive frames and biggest growths with
/// before/after/Δ and the smallest detectable change, the rest in a collapsible block, a link to the differential SVG,
/// and a hidden marker so a bot can find and update its own comment.
public enum MarkdownReport {
    public struct Options: Sendable {
        public var svgURL: String?
        public var top = 10
        public init(svgURL: String? = nil, top: Int = 10) {
            self.svgURL = svgURL
            self.top = top
        }
    }

    public static func render(_ results: [(name: String, result: DiffResult)], options: Options = Options()) -> String {
        var s = "<!-- flame-graph-report -->\n"
        let regressions = results.reduce(0) { $0 + $1.result.regressions.count }
        let inconclusive = results.reduce(0) { $0 + $1.result.inconclusiveFrames.count }
        if regressions > 0 {
            s +=
                "## ❌ flame-graph: CPU regression — \(regressions) frame\(regressions == 1 ? "" : "s") over threshold\n\n"
        } else if inconclusive > 0 {
            s +=
                "## ⚠️ flame-graph: inconclusive — \(inconclusive) frame\(inconclusive == 1 ? "" : "s") grew past the threshold, "
            s += "too few samples to tell from noise\n\n"
            if let r = results.first(where: { $0.result.recommendedCapture != nil })?.result,
                let best = r.recommendedCapture, let top = r.inconclusiveFrames.first
            {
                s += "**Recommended capture:** \(advice(best, r)) to settle \(code(top.name)) "
                s += "(\(signedPP(top.delta(r.settings.metric)))).\n\n"
            }
        } else {
            s += "## ✅ flame-graph: no CPU regression over threshold\n\n"
        }
        if let url = options.svgURL, let safe = safeURL(url) {
            s += "[Differential flame graph](\(safe)) — red grew, blue shrank (stronger = bigger change); "
            s += "outlined frames are significant, pale ones are noise.\n\n"
        }
        for (name, r) in results { s += section(name, r, options, single: results.count == 1) }
        return s
    }

    /// "3 rounds a side (≈ 1,200 samples, 12 s)".
    /// "to settle, capture …", or why no capture would.
    package static func settle(_ a: SettleAdvice, _ r: DiffResult) -> String {
        a.samplesPerSide.isFinite
            ? "to settle, capture \(advice(a, r))"
            : "no capture settles it: two runs of the same code differ by about this much (session noise); a threshold above it would"
    }

    package static func advice(_ a: SettleAdvice, _ r: DiffResult) -> String {
        var s =
            "\(a.roundsPerSide) round\(a.roundsPerSide == 1 ? "" : "s") a side (≈ \(NumberFormatting.grouped(a.samplesPerSide.rounded(.up))) samples"
        if let seconds = a.secondsPerSide { s += ", \(NumberFormatting.grouped(seconds.rounded(.up))) s" }
        return s + ")"
    }

    static func section(_ name: String, _ r: DiffResult, _ options: Options, single: Bool) -> String {
        let metric = r.settings.metric
        var s = single ? "" : "### \(inline(name))\n\n"
        s += "Compared with baseline \(inline(r.baselineLabel)): \(metric.rawValue) share per frame, threshold "
        s += "\(NumberFormatting.fixed(r.settings.threshold, decimals: 2)) pp, confidence "
        s += "\(NumberFormatting.fixed(r.settings.confidence * 100, decimals: 1))% per comparison (\(inline(r.test))); "
        s += "\(NumberFormatting.grouped(r.samplesBefore)) → \(NumberFormatting.grouped(r.samplesAfter)) samples "
        s += "in \(r.capturesBefore) → \(r.capturesAfter) round\(r.capturesAfter == 1 ? "" : "s").\n\n"
        let regressions = r.rootCauses
        if regressions.isEmpty {
            s += r.inconclusiveFrames.isEmpty ? "**No frame regressed.**\n\n" : ""
        } else {
            s += "#### Regressions\n\n" + table(Array(regressions.prefix(options.top)), r) + "\n"
            if regressions.count > options.top {
                s += "…and \(regressions.count - options.top) more (see details).\n\n"
            }
            let callers = r.regressions.filter { $0.explainedBy != nil }
            if !callers.isEmpty {
                s += "Their callers grew with them (total share): "
                s += callers.prefix(options.top).map { "\(code($0.name)) (via \(code($0.explainedBy!)))" }
                    .joined(separator: ", ")
                s += callers.count > options.top ? ", …" : ""
                s += ".\n\n"
            }
        }
        let inconclusive = r.inconclusiveFrames
        if !inconclusive.isEmpty {
            s += "#### Inconclusive\n\n" + table(Array(inconclusive.prefix(options.top)), r) + "\n"
            for f in inconclusive.prefix(options.top) {
                if let a = f.settle { s += "- \(code(f.name)): \(settle(a, r))\n" }
            }
            s += "\n"
        }
        let acknowledged = r.frames.filter { $0.acknowledged != nil }
        if !acknowledged.isEmpty {
            s += "#### Acknowledged (not failing)\n\n"
            for f in acknowledged.prefix(options.top) {
                s += "- \(code(f.name)): \(signedPP(f.delta(metric))) — \(inline(f.acknowledged!))\n"
            }
            s += "\n"
        }
        let growths = ReportSelection.growths(r, limit: options.top)
        if !growths.isEmpty && r.verdict == .pass {
            s += "#### Biggest growths (within noise)\n\n" + table(growths, r) + "\n"
        }
        let all = ReportSelection.gated(r)
        s += "<details><summary>All gated frames (\(all.count))</summary>\n\n" + table(all, r) + "\n</details>\n\n"
        for w in r.warnings { s += "> ⚠️ \(inline(w))\n\n" }
        return s
    }

    static func table(_ frames: [FrameChange], _ r: DiffResult) -> String {
        let metric = r.settings.metric
        var s = "| Frame | Before | After | Δ | Self Δ | p-value | Detectable | Threshold |\n"
        s += "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for f in frames {
            let status = f.regressed ? " ❌" : f.inconclusive ? " ⚠️" : (f.isNew ? " 🆕" : "")
            s += "| \(code(f.name))\(status) | \(pct(f.shareBefore(metric))) | \(pct(f.shareAfter(metric))) | "
            s +=
                "\(signedPP(f.delta(metric))) | \(signedPP(f.selfDelta)) | \(JUnitReport.pValue(f.adjustedPValue ?? f.pValue)) | "
            s += "≥ \(NumberFormatting.fixed(f.minDetectablePP, decimals: 1)) pp | "
            s += "\(f.threshold.map { NumberFormatting.fixed($0, decimals: 2) + " pp" } ?? "ignored") |\n"
        }
        return s
    }

    package static func pct(_ share: Double) -> String { NumberFormatting.fixed(share * 100, decimals: 2) + "%" }

    package static func signedPP(_ d: Double) -> String {
        let s = NumberFormatting.fixed(d, decimals: 2)
        return (s.hasPrefix("-") || s == "0.00" ? s : "+" + s) + " pp"
    }

    /// A frame name as inert inline code: every character Markdown, HTML or a mention could act on is
    /// an entity, so `<img onerror=…>`, `|`, backticks, `@user`, links and emphasis render as text.
    static func code(_ name: String) -> String { "<code>" + entities(name) + "</code>" }

    static func inline(_ text: String) -> String { entities(text) }

    static func entities(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'", "|", "`", "*", "_", "~", "[", "]", "\\", "@", "#", "!", "$", "{", "}", ":", ".", "^", "=":
                out += "&#\(u.value);"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += " " } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    /// Only http(s) URLs without characters that could break out of the link.
    static func safeURL(_ url: String) -> String? {
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else { return nil }
        guard !url.unicodeScalars.contains(where: { $0.value <= 0x20 || "()<>\"'`\\".unicodeScalars.contains($0) })
        else { return nil }
        return url
    }
}
