/// Weights as people read them, with what they count: "157 samples", "1 sample", "2.88 s", "340 µs",
/// "1.50 MiB", "1,585,858,570 events". Used by tooltips, the details bar and the legend.
public enum WeightFormat {
    /// What a weight of this unit measures, for legends and reports ("CPU time", "samples", …).
    public static func quantity(_ unit: WeightUnit) -> String {
        switch unit {
        case .samples: return "samples"
        case .nanoseconds, .microseconds: return "time"
        case .bytes: return "bytes"
        case .count: return "event count"
        }
    }

    /// `w` in `unit`, scaled and labelled for people. `countName` (the `--count-name` flag) replaces
    /// the unit word and keeps the number as it is.
    public static func describe(_ w: Double, unit: WeightUnit, countName: String? = nil) -> String {
        if let countName { return NumberFormatting.grouped(w) + " " + countName }
        switch unit {
        case .samples: return NumberFormatting.grouped(w) + sampleNoun(w).description
        case .count: return NumberFormatting.grouped(w) + (w == 1 ? " event" : " events")
        case .nanoseconds: return duration(nanoseconds: w)
        case .microseconds: return duration(nanoseconds: w * 1000)
        case .bytes: return bytes(w)
        }
    }

    /// " sample" for exactly one, else " samples" (the SVG writer appends it as bytes).
    static func sampleNoun(_ w: Double) -> StaticString { w == 1 ? " sample" : " samples" }

    /// "850 ns", "12.3 µs", "153 ms", "2.88 s", "1,234 s": three significant digits below 1,000 s.
    public static func duration(nanoseconds ns: Double) -> String {
        let a = abs(ns)
        if a < 1000 { return significant(ns) + " ns" }
        if a < 1e6 { return significant(ns / 1e3) + " µs" }
        if a < 1e9 { return significant(ns / 1e6) + " ms" }
        if a < 1e12 { return significant(ns / 1e9) + " s" }
        return NumberFormatting.grouped((ns / 1e9).rounded()) + " s"
    }

    /// "512 bytes", "1.50 KiB", "12.3 MiB", "2.00 GiB".
    public static func bytes(_ b: Double) -> String {
        let a = abs(b)
        if a < 1024 { return NumberFormatting.grouped(b) + (b == 1 ? " byte" : " bytes") }
        if a < 1024 * 1024 { return significant(b / 1024) + " KiB" }
        if a < 1024 * 1024 * 1024 { return significant(b / (1024 * 1024)) + " MiB" }
        if a < 1024.0 * 1024 * 1024 * 1024 { return significant(b / (1024 * 1024 * 1024)) + " GiB" }
        return significant(b / (1024.0 * 1024 * 1024 * 1024)) + " TiB"
    }

    /// Three significant digits for 0 < |v| < 1000 ("2.88", "12.3", "153"); integers stay integers.
    static func significant(_ v: Double) -> String {
        let a = abs(v)
        if v == v.rounded() && a < 1000 { return NumberFormatting.grouped(v) }
        if a >= 99.95 { return NumberFormatting.fixed(v, decimals: 0) }
        if a >= 9.995 { return NumberFormatting.fixed(v, decimals: 1) }
        return NumberFormatting.fixed(v, decimals: 2)
    }
}
