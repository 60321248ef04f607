import FlameGraphCore

/// `diff --batch FILE` (hidden, for `ci/calibrate`): many comparisons in one process, through the same
/// unit check and gate as `diff`, so a calibration over thousands of pairings of real captures costs
/// seconds instead of a process start per pair.
///
/// Each line of FILE: `before1,before2,…<TAB>after1,after2,…`. Each output line (stdout):
/// `verdict<TAB>exit<TAB>first root cause<TAB>inconclusive frames (comma-separated)<TAB>dispersion`.
/// Profiles are loaded once and cached by path.
enum DiffBatch {
    static func run(
        _ path: String, gate: GateOptionGroup, load: (String) throws -> Profile
    ) throws {
        let settings = try gate.settings()
        var cache: [String: Profile] = [:]
        func profile(_ p: String) throws -> Profile {
            if let hit = cache[p] { return hit }
            let loaded = try load(p)
            cache[p] = loaded
            return loaded
        }
        let text = String(decoding: try InputFile.readAll(path), as: UTF8.self)
        var out = ""
        for (n, line) in text.split(separator: "\n").enumerated() {
            let sides = line.split(separator: "\t")
            guard sides.count == 2 else {
                throw FlameGraphError(.badInput, "\(path):\(n + 1): expected `before,…<TAB>after,…`")
            }
            let before = try sides[0].split(separator: ",").map { try profile(String($0)) }
            let after = try sides[1].split(separator: ",").map { try profile(String($0)) }
            let (b, a, _) = try UnitCheck.reconcile(
                .init(profiles: before, label: "before"), .init(profiles: after, label: "after"))
            let r = DiffEngine.compare(
                before: b, after: a, settings: settings, normalizer: gate.normalizer, today: gate.today ?? "2026-01-01",
                baselineLabel: "before", afterLabel: "after")
            let fails = r.verdict == .regression || (r.verdict == .inconclusive && settings.failOnInconclusive)
            out += "\(r.verdict.rawValue)\t\(fails ? 1 : 0)\t\(r.rootCauses.first?.name ?? "-")\t"
            out += r.inconclusiveFrames.map(\.name).joined(separator: ",")
            out += "\t\(NumberFormatting.fixed(r.noise.effective, decimals: 3))"
            out += "\t\(r.noise.measured.map { NumberFormatting.fixed($0, decimals: 3) } ?? "-")\n"
        }
        try OutputFile.write(Array(out.utf8), to: "-")
    }
}
