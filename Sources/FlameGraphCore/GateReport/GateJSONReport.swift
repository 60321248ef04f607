/// The gate's JSON: the overall verdict and exit status, and per service its verdict, load, warnings
/// and (when compared) `JSONReport`'s full comparison. Fixed key order, deterministic bytes.
public enum GateJSONReport {
    public static func render(_ reports: [ServiceReport]) -> String {
        let status = ServiceReport.exitStatus(reports)
        var s = "{\n  \"tool\": \"flame-graph\",\n  \"command\": \"gate\",\n"
        s += "  \"passed\": \(status == 0),\n  \"exit_status\": \(status),\n  \"services\": [\n"
        for (i, r) in reports.enumerated() {
            s +=
                "    {\n      \"name\": \(JSONReport.string(r.name)),\n      \"profiler\": \(JSONReport.string(r.profiler)),\n"
            s += "      \"verdict\": \(JSONReport.string(r.verdict.rawValue)),\n"
            s += "      \"load\": \(r.load.map(load) ?? "null"),\n"
            s += "      \"baseline_load\": \(r.baselineLoad.map(load) ?? "null"),\n"
            s += "      \"warnings\": [\(r.warnings.map(JSONReport.string).joined(separator: ", "))],\n"
            switch r.outcome {
            case .compared(let result):
                let nested = JSONReport.render([(name: r.name, result: result)])
                s +=
                    "      \"report\": "
                    + nested.split(separator: "\n", omittingEmptySubsequences: false)
                    .joined(separator: "\n      ").trimmingTrailingSpaces() + "\n"
            case .saved(let place, let samples, let rounds):
                s +=
                    "      \"saved\": {\"where\": \(JSONReport.string(place)), \"samples\": \(JSONReport.num(samples)), \"rounds\": \(rounds)}\n"
            case .unavailable(let message, let log):
                s +=
                    "      \"error\": {\"message\": \(JSONReport.string(message)), \"log\": \(log.map(JSONReport.string) ?? "null")}\n"
            }
            s += "    }" + (i + 1 < reports.count ? ",\n" : "\n")
        }
        return s + "  ]\n}\n"
    }

    static func load(_ l: LoadStatistics) -> String {
        "{\"requests\": \(l.requests), \"errors\": \(l.errors), \"elapsed_s\": \(JSONReport.num(l.elapsed)), "
            + "\"requests_per_second\": \(JSONReport.num(l.rate)), \"p50_ms\": \(JSONReport.num(l.p50)), "
            + "\"p95_ms\": \(JSONReport.num(l.p95)), \"p99_ms\": \(JSONReport.num(l.p99)), "
            + "\"error_reasons\": [\(l.errorReasons.map(JSONReport.string).joined(separator: ", "))]}"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " || s.last == "\n" { s.removeLast() }
        return s
    }
}
