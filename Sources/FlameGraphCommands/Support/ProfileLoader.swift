import FlameGraphCore

/// Reads the profiles named on the command line, in any supported format, and merges them.
enum ProfileLoader {
    static func load(
        _ paths: [String], format: ProfileFormat?, options: ImportOptions = ImportOptions(), quiet: Bool,
        requireSorted: Bool = false
    ) throws -> Profile {
        var merged: Profile? = nil
        for path in paths {
            let decoded = try loadOne(path, format: format, options: options, quiet: quiet)
            if requireSorted && !decoded.inputSorted {
                throw FlameGraphError(
                    .badInput,
                    "unsorted input lines detected in \(InputFile.displayName(path)): --no-sort needs stacks in sorted order (drop --no-sort, or sort the file)"
                )
            }
            if merged == nil {
                merged = decoded.profile
            } else {
                merged!.merge(decoded.profile)
            }
        }
        guard let merged else { throw FlameGraphError(.usage, "no input given") }
        return merged
    }

    /// `load` with the format named by a string option (`nil`: detect); an unknown name is a usage error.
    static func load(
        _ paths: [String], format name: String?, options: ImportOptions = ImportOptions(), quiet: Bool,
        requireSorted: Bool = false
    ) throws -> Profile {
        let format = try name.map { name in
            guard let format = ProfileFormat(rawValue: name) else {
                let known = ProfileFormat.allCases.map(\.rawValue).joined(separator: ", ")
                throw FlameGraphError(.usage, "--format '\(name)' is not a format; use one of \(known)")
            }
            return format
        }
        return try load(paths, format: format, options: options, quiet: quiet, requireSorted: requireSorted)
    }

    static func loadOne(_ path: String, format: ProfileFormat?, options: ImportOptions, quiet: Bool) throws
        -> DecodedProfile
    {
        var reader = ProfileReader(format: format, sourceName: InputFile.displayName(path), options: options)
        try InputFile.forEachChunk(path) { try reader.consume($0) }
        let decoded = try reader.finish()
        if !quiet { for w in decoded.diagnostics.warnings { Console.warn(w) } }
        return decoded
    }
}
