import FlameGraphCore
import FlameGraphStore

/// Checks that keep a baseline honest: warned about on the terminal, recorded in its metadata, shown
/// in the reports.
enum BaselineHygiene {
    /// Samples the gate needs for a change of `threshold` percentage points to be ~10 samples: below
    /// that, a real regression of that size is indistinguishable from noise.
    static func neededSamples(threshold: Double) -> Double { (10 / max(threshold, 0.01) * 100).rounded(.up) }

    /// Warnings for a baseline about to be saved.
    static func whenSaving(samples: Double, threshold: Double, repository: Repository?) -> [String] {
        var notes: [String] = []
        if let repository, let dirty = try? repository.modifiedTrackedFiles(), !dirty.isEmpty {
            notes.append(
                "saved from a dirty work tree (\(dirty.prefix(3).joined(separator: ", "))\(dirty.count > 3 ? ", …" : "")): the profile may not match its commit"
            )
        }
        let needed = neededSamples(threshold: threshold)
        if samples < needed {
            notes.append(
                "only \(NumberFormatting.grouped(samples)) samples; a \(NumberFormatting.fixed(threshold, decimals: 2)) pp gate needs about \(NumberFormatting.grouped(needed)) (longer duration or more rounds)"
            )
        }
        return notes
    }

    /// Warnings for comparing with a baseline captured under `stored` conditions.
    static func whenComparing(stored: BaselineMetadata, current: BaselineMetadata, commit: String) -> [String] {
        var notes: [String] = []
        let short = String(commit.prefix(12))
        if let a = stored.hostFingerprint, let b = current.hostFingerprint, a != b {
            notes.append("the baseline (\(short)) was captured on a different host (\(a)); this run: \(b)")
        }
        if stored.toolVersion != current.toolVersion {
            notes.append(
                "the baseline (\(short)) was captured by \(stored.toolVersion); this is \(current.toolVersion)")
        }
        if let a = stored.samplingRate, let b = current.samplingRate, abs(a - b) > 0.5 {
            notes.append(
                "the baseline (\(short)) was sampled at \(NumberFormatting.weight(a)) Hz; this run at \(NumberFormatting.weight(b)) Hz"
            )
        }
        for note in stored.notes ?? [] { notes.append("the baseline (\(short)) was \(note)") }
        return notes
    }

    /// `http://user:secret@host` → `http://***@host`, wherever it appears.
    static func scrubCredentials(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            out += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            let authority = rest.prefix { !"/ ?#\"'".contains($0) }
            if let at = authority.lastIndex(of: "@") {
                out += "***"
                rest = rest[at...]
            }
        }
        return out + rest
    }
}
