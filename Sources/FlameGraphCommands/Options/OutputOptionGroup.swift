import ArgumentParser
import FlameGraphCore

/// Where a drawing subcommand writes.
struct OutputOptionGroup: ParsableArguments {
    @Option(name: [.short, .long], help: "Output file (`-` = stdout). Written atomically.")
    var output: String = "flamegraph.svg"

    @Option(name: [.customLong("folded-output")], help: "Also write the folded stacks that were drawn.")
    var foldedOutput: String?

    @Flag(name: [.short, .long], help: "No warnings or progress on stderr (errors are still printed).")
    var quiet = false
}

/// Where and how profile inputs are read.
struct InputOptionGroup: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp("Profile to read (`-` = stdin); repeat to merge several.", valueName: "path"))
    var input: [String] = []

    @Option(help: "Force the input format instead of detecting it: folded, perf, cpuprofile, pprof, speedscope, svg.")
    var format: String?

    @Option(
        name: [.customLong("sample-type")],
        help: "pprof: the sample type to draw (e.g. cpu, samples, alloc_space, inuse_space).")
    var sampleType: String?

    /// Everything the importers need, from these flags and the perf collapse flags.
    func importOptions(perf: PerfCollapseOptions, keepSequence: Bool = false) -> ImportOptions {
        var o = ImportOptions()
        o.perf = perf
        o.sampleType = sampleType
        o.keepSequence = keepSequence
        return o
    }

    func validate() throws {
        if input.isEmpty { throw ValidationError("missing --input: name a profile file, or - for stdin") }
        if let format, ProfileFormat(rawValue: format) == nil {
            throw ValidationError(
                "--format '\(format)' is not a format; use one of folded, perf, cpuprofile, pprof, speedscope, svg")
        }
        if input.filter({ $0 == "-" }).count > 1 { throw ValidationError("--input - (stdin) can be given only once") }
    }
}
