import FlameGraphCore

/// Reads the profiles named on the command line, in any supported format, and merges them.
enum ProfileLoader {
    static func load(
        _ paths: [String], format: String?, options: ImportOptions = ImportOptions(), quiet: Bool,
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

    static func loadOne(_ path: String, format: String?, options: ImportOptions, quiet: Bool) throws
        -> DecodedProfile
    {
        let forced = format.flatMap(ProfileFormat.init(rawValue:))
        var reader = ProfileReader(format: forced, sourceName: InputFile.displayName(path), options: options)
        try InputFile.forEachChunk(path) { try reader.consume($0) }
        let decoded = try reader.finish()
        if !quiet { for w in decoded.diagnostics.warnings { Console.warn(w) } }
        return decoded
    }
}
