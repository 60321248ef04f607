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

/// Where profile inputs are read from.
struct InputOptionGroup: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp("Profile to read (`-` = stdin); repeat to merge several.", valueName: "path"))
    var input: [String] = []

    @OptionGroup var formats: FormatOptionGroup

    var format: ProfileFormat? { formats.format }

    func importOptions(perf: PerfCollapseOptions, keepSequence: Bool = false) -> ImportOptions {
        formats.importOptions(perf: perf, keepSequence: keepSequence)
    }

    func validate() throws {
        if input.isEmpty { throw ValidationError("missing --input: name a profile file, or - for stdin") }
        if input.filter({ $0 == "-" }).count > 1 { throw ValidationError("--input - (stdin) can be given only once") }
    }
}

/// How profile inputs are read: the format and the per-format choices.
struct FormatOptionGroup: ParsableArguments {
    @Option(help: "Force the input format instead of detecting it.")
    var format: ProfileFormat?

    @Option(
        name: [.customLong("sample-type")],
        help: "pprof: the sample type to use (e.g. cpu, samples, alloc_space, inuse_space).")
    var sampleType: String?

    @Option(name: [.customLong("weight")], help: ".cpuprofile: weigh stacks by samples or by time (µs).")
    var weight: CPUProfileWeight = .samples

    @Flag(name: [.customLong("drop-idle")], help: ".cpuprofile: drop (idle), (program) and (garbage collector).")
    var dropIdle = false

    @Flag(name: [.customLong("thread-names")], help: "speedscope: start each stack with its thread's name.")
    var threadNames = false

    /// Everything the importers need, from these flags and the perf collapse flags.
    func importOptions(perf: PerfCollapseOptions, keepSequence: Bool = false) -> ImportOptions {
        var o = ImportOptions()
        o.perf = perf
        o.sampleType = sampleType
        o.keepSequence = keepSequence
        o.weightByTime = weight == .time
        o.dropIdle = dropIdle
        o.prefixThreadName = threadNames
        return o
    }
}
