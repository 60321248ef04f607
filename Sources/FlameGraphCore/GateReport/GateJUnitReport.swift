/// The gate's JUnit XML: one `<testsuite>` per service. A compared service is `JUnitReport`'s suite (a
/// test case per gated frame); a saved baseline is one passing case; an unmeasured service one error
/// carrying the reason and the tail of its log.
public enum GateJUnitReport {
    public static func render(_ reports: [ServiceReport]) -> String {
        var suites = ""
        var tests = 0
        var failures = 0
        var errors = 0
        for r in reports {
            let properties = r.load.map(loadProperties) ?? ""
            switch r.outcome {
            case .compared(let result):
                var suite = JUnitReport.suite(r.name, result)
                if let end = suite.firstRange(of: "    </properties>\n") {
                    suite.insert(contentsOf: properties, at: end.lowerBound)
                }
                suites += suite
                tests += ReportSelection.gated(result).count
                failures += result.regressions.count
            case .saved(let place, let samples, let rounds):
                tests += 1
                suites += open(r.name, errors: 0) + properties + "    </properties>\n"
                suites +=
                    "    <testcase classname=\"\(XMLText.escape("flame-graph." + r.name))\" name=\"baseline saved\" time=\"0\">\n"
                suites +=
                    "      <system-out>\(XMLText.escape("\(place): \(NumberFormatting.grouped(samples)) samples, \(rounds) round(s)"))</system-out>\n"
                suites += "    </testcase>\n  </testsuite>\n"
            case .unavailable(let message, let log):
                tests += 1
                errors += 1
                suites += open(r.name, errors: 1) + properties + "    </properties>\n"
                suites +=
                    "    <testcase classname=\"\(XMLText.escape("flame-graph." + r.name))\" name=\"service\" time=\"0\">\n"
                suites += "      <error type=\"ServiceUnavailable\" message=\"\(XMLText.escape(message))\">"
                suites += XMLText.escape(message + (log.map { "\n\n" + $0 } ?? "")) + "</error>\n"
                suites += "    </testcase>\n  </testsuite>\n"
            }
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"flame-graph gate\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
            + suites + "</testsuites>\n"
    }

    static func open(_ name: String, errors: Int) -> String {
        "  <testsuite name=\"\(XMLText.escape("flame-graph diff: " + name))\" tests=\"1\" failures=\"0\" errors=\"\(errors)\" skipped=\"0\" time=\"0\">\n    <properties>\n"
    }

    static func loadProperties(_ l: LoadStatistics) -> String {
        [
            ("load_requests_per_second", NumberFormatting.fixed(l.rate, decimals: 1)),
            ("load_requests", String(l.requests)), ("load_errors", String(l.errors)),
            ("load_p50_ms", NumberFormatting.fixed(l.p50, decimals: 2)),
            ("load_p95_ms", NumberFormatting.fixed(l.p95, decimals: 2)),
            ("load_p99_ms", NumberFormatting.fixed(l.p99, decimals: 2)),
        ].map { "      <property name=\"\($0.0)\" value=\"\(XMLText.escape($0.1))\"/>\n" }.joined()
    }
}
