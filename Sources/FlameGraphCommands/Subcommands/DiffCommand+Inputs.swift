import ArgumentParser
import FlameGraphCore
import FlameGraphStore

/// How `diff` reads its two sides: files, a two-column file, or the baseline store.
extension DiffCommand {
    /// Loads both sides: several files each, or one two-column file split in two.
    func loadSides(_ importOptions: ImportOptions, history: inout [Profile]) throws -> (
        [Profile], [Profile], String, String
    ) {
        if let input {
            let decoded = try loadReportingBadLines(input, importOptions)
            let p = decoded.profile
            guard p.isDifferential else {
                throw FlameGraphError(
                    .badInput,
                    "\(InputFile.displayName(input)) has one count per line: --input takes `stack before after` lines; use --before and --after for two profiles"
                )
            }
            var beforeSide = p
            beforeSide.selfWeight = p.selfBefore!
            beforeSide.selfBefore = nil
            var afterSide = p
            afterSide.selfBefore = nil
            return (
                [beforeSide], [afterSide], "\(InputFile.displayName(input)) (before)",
                "\(InputFile.displayName(input)) (after)"
            )
        }
        let a = try after.map { try loadReportingBadLines($0, importOptions).profile }
        if let baseline = stored.baseline, let service = stored.service {
            let found = try stored.store.loadBaselineRounds(
                service: service, revision: baseline, maxDepth: stored.maxDepth)
            history = found.history
            return (found.rounds, a, found.label, label(after))
        }
        let b = try before.map { try loadReportingBadLines($0, importOptions).profile }
        return (b, a, label(before), label(after))
    }

    func loadReportingBadLines(_ path: String, _ importOptions: ImportOptions) throws -> DecodedProfile {
        let decoded = try ProfileLoader.loadOne(path, format: formats.format, options: importOptions, quiet: true)
        if !quiet {
            for w in decoded.diagnostics.warnings {
                // inferno-diff-folded's wording for a line it could not read.
                if w.hasPrefix("Ignored "), let sample = decoded.firstInvalidLine {
                    Console.warn("Unable to parse line: \(sample) (\(w))")
                } else {
                    Console.warn(w)
                }
            }
        }
        return decoded
    }

    func label(_ paths: [String]) -> String {
        let names = paths.map(InputFile.displayName)
        return names.count == 1 ? names[0] : "\(names[0]) and \(names.count - 1) more"
    }
}
