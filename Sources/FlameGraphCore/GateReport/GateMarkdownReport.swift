/// The gate's Markdown report (the PR comment and `$GITHUB_STEP_SUMMARY`): the overall verdict first,
/// a summary table, then a section per service with its load beside its verdict. It carries the same
/// hidden marker as `MarkdownReport`, so `flame-graph comment` updates one comment per pull request.
public enum GateMarkdownReport {
    public static let marker = "<!-- flame-graph-report -->"

    public static func render(_ reports: [ServiceReport], options: MarkdownReport.Options = .init()) -> String {
        var s = marker + "\n"
        let regressed = reports.filter { $0.verdict == .regression }
        let unavailable = reports.filter { $0.verdict == .unavailable }
        let inconclusive = reports.filter { $0.verdict == .inconclusive }
        if !regressed.isEmpty {
            s += "## ❌ flame-graph gate: CPU regression in \(names(regressed))\n\n"
        } else if !unavailable.isEmpty {
            s += "## ⚠️ flame-graph gate: could not measure \(names(unavailable))\n\n"
        } else if !inconclusive.isEmpty {
            s += "## ⚠️ flame-graph gate: inconclusive for \(names(inconclusive)) (growth past the threshold "
            s += "that these samples cannot tell from noise; see the section for the capture that would settle it)\n\n"
        } else if reports.allSatisfy({ $0.verdict == .saved }) {
            s += "## 💾 flame-graph gate: baselines saved for \(names(reports))\n\n"
        } else {
            s += "## ✅ flame-graph gate: no CPU regression over threshold\n\n"
        }
        s +=
            "| service | profiler | verdict | requests/s | p50 | p95 | p99 | errors |\n|---|---|---|---:|---:|---:|---:|---:|\n"
        for r in reports {
            let l = r.load
            let cells = [
                MarkdownReport.inline(r.name), r.profiler, symbol(r.verdict),
                l.map { NumberFormatting.fixed($0.rate, decimals: 1) } ?? "—",
                l.map { NumberFormatting.fixed($0.p50, decimals: 1) + " ms" } ?? "—",
                l.map { NumberFormatting.fixed($0.p95, decimals: 1) + " ms" } ?? "—",
                l.map { NumberFormatting.fixed($0.p99, decimals: 1) + " ms" } ?? "—",
                l.map { String($0.errors) } ?? "—",
            ]
            s += "| " + cells.joined(separator: " | ") + " |\n"
        }
        s += "\n"
        for r in reports { s += section(r, options) }
        return s
    }

    static func section(_ r: ServiceReport, _ options: MarkdownReport.Options) -> String {
        var s = "### \(MarkdownReport.inline(r.name)) — \(symbol(r.verdict))\n\n"
        if let l = r.load { s += "Load: \(plain(ServiceReport.loadLine(l, baseline: r.baselineLoad))).\n\n" }
        for w in r.warnings { s += "> ⚠️ \(plain(w))\n\n" }
        switch r.outcome {
        case .compared(let result):
            s += MarkdownReport.section(r.name, result, options, single: true)
        case .saved(let place, let samples, let rounds):
            s += "Saved as the baseline \(plain(place)): \(NumberFormatting.grouped(samples)) samples"
            s += " in \(rounds) round\(rounds == 1 ? "" : "s").\n\n"
        case .unavailable(let message, let log):
            s += "**Not measured:** \(plain(message))\n\n"
            if let log, !log.isEmpty {
                s += "<details><summary>Last lines of the service's log</summary>\n\n<pre>"
                s += plain(log, keepLines: true) + "</pre>\n\n</details>\n\n"
            }
        }
        return s
    }

    /// Our own sentences (numbers, paths): only what HTML would take as markup is escaped.
    static func plain(_ text: String, keepLines: Bool = false) -> String {
        var out = ""
        for c in text {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n" where keepLines: out += "\n"
            case "\n", "\r": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    static func names(_ reports: [ServiceReport]) -> String {
        reports.map { "`\($0.name.filter { $0 != "`" })`" }.joined(separator: ", ")
    }

    static func symbol(_ v: ServiceReport.Verdict) -> String {
        switch v {
        case .pass: return "✅ pass"
        case .inconclusive: return "⚠️ inconclusive"
        case .regression: return "❌ regression"
        case .unavailable: return "⚠️ unavailable"
        case .saved: return "💾 baseline saved"
        }
    }
}
