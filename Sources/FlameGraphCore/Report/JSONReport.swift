/// Every frame's numbers as JSON, for scripts and dashboards. Keys in a fixed order, numbers in fixed
/// formatting: the same result always gives the same bytes.
public enum JSONReport {
    public static func render(_ results: [(name: String, result: DiffResult)]) -> String {
        let worst = results.map(\.result.verdict).max() ?? .pass
        var s = "{\n  \"tool\": \"flame-graph\",\n  \"passed\": \(results.allSatisfy { $0.result.passed }),\n"
        s += "  \"verdict\": \(string(worst.rawValue)),\n"
        s += "  \"comparisons\": [\n"
        for (i, (name, r)) in results.enumerated() {
            s += "    {\n      \"name\": \(string(name)),\n      \"baseline\": \(string(r.baselineLabel)),\n"
            s += "      \"after\": \(string(r.afterLabel)),\n      \"passed\": \(r.passed),\n"
            s += "      \"verdict\": \(string(r.verdict.rawValue)),\n"
            s += "      \"metric\": \(string(r.settings.metric.rawValue)),\n"
            s +=
                "      \"threshold_pp\": \(num(r.settings.threshold)),\n      \"confidence\": \(num(r.settings.confidence)),\n"
            s += "      \"min_samples\": \(num(r.settings.minSamples)),\n      \"test\": \(string(r.test)),\n"
            s += "      \"unit\": \(string(r.unit.rawValue)),\n"
            s += "      \"captures_before\": \(r.capturesBefore),\n      \"captures_after\": \(r.capturesAfter),\n"
            s += "      \"total_before\": \(num(r.totalBefore)),\n      \"total_after\": \(num(r.totalAfter)),\n"
            s +=
                "      \"samples_before\": \(num(r.samplesBefore)),\n      \"samples_after\": \(num(r.samplesAfter)),\n"
            s +=
                "      \"noise\": {\"dispersion\": \(num(r.noise.effective)), \"measured\": \(r.noise.measured.map(num) ?? "null"), "
            s += "\"degrees_of_freedom\": \(num(r.noise.degrees)), \"between_sides\": \(r.noise.betweenSides), "
            s += "\"prior\": \(num(r.noise.prior)), \"prior_degrees_of_freedom\": \(num(r.noise.priorDegrees)), "
            s += "\"session_term\": \(num(r.noise.session)), \"default\": \(r.noise.usesDefault), "
            s += "\"replicates\": [\(r.noise.replicates.map(String.init).joined(separator: ", "))]},\n"
            s += "      \"regressions\": [\(r.regressions.map { string($0.name) }.joined(separator: ", "))],\n"
            s += "      \"inconclusive\": [\(r.inconclusiveFrames.map { string($0.name) }.joined(separator: ", "))],\n"
            s += "      \"recommended_capture\": \(r.recommendedCapture.map(advice) ?? "null"),\n"
            s += "      \"root_causes\": [\(r.rootCauses.map { string($0.name) }.joined(separator: ", "))],\n"
            s += "      \"frames\": [\n"
            for (j, f) in r.frames.enumerated() {
                s += "        {\"name\": \(string(f.name)), \"self_before\": \(num(f.selfBefore)), "
                s += "\"self_after\": \(num(f.selfAfter)), \"total_before\": \(num(f.totalBefore)), "
                s += "\"total_after\": \(num(f.totalAfter)), "
                s +=
                    "\"self_share_before\": \(num(f.selfShareBefore)), \"self_share_after\": \(num(f.selfShareAfter)), "
                s +=
                    "\"total_share_before\": \(num(f.totalShareBefore)), \"total_share_after\": \(num(f.totalShareAfter)), "
                s += "\"self_delta_pp\": \(num(f.selfDelta)), \"total_delta_pp\": \(num(f.totalDelta)), "
                s += "\"p_value\": \(num(f.pValue)), \"threshold_pp\": \(f.threshold.map(num) ?? "null"), "
                s += "\"adjusted_p_value\": \(f.adjustedPValue.map(num) ?? "null"), "
                s += "\"min_detectable_pp\": \(num(f.minDetectablePP)), \"verdict\": \(string(f.verdict.rawValue)), "
                s += "\"settle\": \(f.settle.map(advice) ?? "null"), "
                s += "\"regressed\": \(f.regressed), \"new\": \(f.isNew), \"gone\": \(f.isGone), "
                s += "\"skipped\": \(f.skipReason.map(string) ?? "null"), "
                s += "\"acknowledged\": \(f.acknowledged.map(string) ?? "null"), "
                s += "\"explained_by\": \(f.explainedBy.map(string) ?? "null")}"
                s += j + 1 < r.frames.count ? ",\n" : "\n"
            }
            s += "      ]\n    }" + (i + 1 < results.count ? ",\n" : "\n")
        }
        return s + "  ]\n}\n"
    }

    static func advice(_ a: SettleAdvice) -> String {
        "{\"samples_per_side\": \(num(a.samplesPerSide.rounded(.up))), "
            + "\"rounds_per_side\": \(a.samplesPerSide.isFinite ? String(a.roundsPerSide) : "null"), "
            + "\"seconds_per_side\": \(a.secondsPerSide.map { num($0.rounded(.up)) } ?? "null"), "
            + "\"settleable\": \(a.samplesPerSide.isFinite)}"
    }

    static func num(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded() && abs(v) < 1e15 { return NumberFormatting.weight(v) }
        return String(v)
    }

    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
