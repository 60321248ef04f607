/// JUnit XML for CI systems: one `<testsuite>` per compared pair (service), one `<testcase>` per gated
/// frame, a `<failure>` per regression saying threshold, change, significance and baseline.
public enum JUnitReport {
    public static func render(_ results: [(name: String, result: DiffResult)]) -> String {
        let suites = results.map { suite($0.name, $0.result) }
        let tests = results.reduce(0) { $0 + ReportSelection.gated($1.result).count }
        let failures = results.reduce(0) { $0 + failing($1.result).count }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"flame-graph\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\">\n"
            + suites.joined() + "</testsuites>\n"
    }

    /// Regressions, plus inconclusive frames when they fail the build (`--fail-on-inconclusive`).
    static func failing(_ r: DiffResult) -> [FrameChange] {
        r.frames.filter { $0.regressed || ($0.inconclusive && r.settings.failOnInconclusive) }
    }

    static func suite(_ name: String, _ r: DiffResult) -> String {
        let metric = r.settings.metric.rawValue
        let cases = ReportSelection.gated(r)
        let failOnInconclusive = r.settings.failOnInconclusive
        let skipped = cases.filter {
            $0.skipReason != nil || $0.acknowledged != nil || ($0.inconclusive && !failOnInconclusive)
        }.count
        var s = "  <testsuite name=\"\(XMLText.escape("flame-graph diff: " + name))\" tests=\"\(cases.count)\" "
        s +=
            "failures=\"\(cases.filter { $0.regressed || ($0.inconclusive && failOnInconclusive) }.count)\" errors=\"0\" skipped=\"\(skipped)\" time=\"0\">\n"
        s += "    <properties>\n"
        for (k, v) in [
            ("baseline", r.baselineLabel), ("after", r.afterLabel), ("metric", metric),
            ("threshold_pp", NumberFormatting.fixed(r.settings.threshold, decimals: 2)),
            ("confidence", String(r.settings.confidence)), ("test", r.test), ("verdict", r.verdict.rawValue),
            ("dispersion", NumberFormatting.fixed(r.noise.effective, decimals: 3)),
            ("samples_before", NumberFormatting.weight(r.totalBefore)),
            ("samples_after", NumberFormatting.weight(r.totalAfter)),
        ] {
            s += "      <property name=\"\(k)\" value=\"\(XMLText.escape(v))\"/>\n"
        }
        s += "    </properties>\n"
        for f in cases {
            s +=
                "    <testcase classname=\"\(XMLText.escape("flame-graph." + name))\" name=\"\(XMLText.escape(f.name))\" time=\"0\">\n"
            let delta = NumberFormatting.fixed(f.delta(r.settings.metric), decimals: 2)
            let detail =
                "\(metric) share \(pct(f.shareBefore(r.settings.metric))) -> \(pct(f.shareAfter(r.settings.metric))) "
                + "(\(signed(delta)) pp), threshold \(NumberFormatting.fixed(f.threshold ?? r.settings.threshold, decimals: 2)) pp, "
                + "p = \(pValue(f.adjustedPValue ?? f.pValue)) (\(r.test), confidence \(r.settings.confidence)), "
                + "detectable ≥ \(NumberFormatting.fixed(f.minDetectablePP, decimals: 2)) pp, baseline \(r.baselineLabel)"
                + (f.explainedBy.map { "; grew with its callee \($0)" } ?? "")
            if f.regressed {
                s += "      <failure type=\"CPURegression\" message=\"\(XMLText.escape(detail))\">"
                s += XMLText.escape(detail) + "</failure>\n"
            } else if f.inconclusive {
                let text =
                    "inconclusive: " + detail + (f.settle.map { "; " + MarkdownReport.settle($0, r) } ?? "")
                s +=
                    failOnInconclusive
                    ? "      <failure type=\"CPUInconclusive\" message=\"\(XMLText.escape(text))\">\(XMLText.escape(text))</failure>\n"
                    : "      <skipped message=\"\(XMLText.escape(text))\"/>\n"
            } else if let ack = f.acknowledged {
                s +=
                    "      <skipped message=\"\(XMLText.escape("acknowledged regression: " + ack + "; " + detail))\"/>\n"
            } else if let reason = f.skipReason {
                s += "      <skipped message=\"\(XMLText.escape(reason))\"/>\n"
            } else {
                s += "      <system-out>\(XMLText.escape(detail))</system-out>\n"
            }
            s += "    </testcase>\n"
        }
        return s + "  </testsuite>\n"
    }

    static func pct(_ share: Double) -> String { NumberFormatting.fixed(share * 100, decimals: 2) + "%" }
    static func signed(_ s: String) -> String { s.hasPrefix("-") || s == "0.00" ? s : "+" + s }
    package static func pValue(_ p: Double) -> String {
        p < 0.0001 ? "<0.0001" : NumberFormatting.fixed(p, decimals: 4)
    }
}
