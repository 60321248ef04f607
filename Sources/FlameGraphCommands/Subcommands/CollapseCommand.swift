import ArgumentParser
import FlameGraphCore

/// `flame-graph collapse`: any supported profile to sorted folded stacks.
struct CollapseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collapse",
        abstract: "Convert any supported profile to folded stacks (sorted, inferno/FlameGraph compatible).",
        discussion: """
            Examples:
              perf script | flame-graph collapse --input - --output stacks.folded --all
              flame-graph collapse --input profile.cpuprofile --output stacks.folded
              flame-graph collapse --input cpu.pb.gz --sample-type cpu --output -
            """)

    @OptionGroup var inputs: InputOptionGroup
    @OptionGroup var perf: PerfOptionGroup

    @Option(name: [.short, .long], help: "Output file (`-` = stdout). Written atomically.")
    var output: String = "stacks.folded"

    @Flag(name: [.short, .long], help: "No warnings on stderr.")
    var quiet = false

    @Flag(name: [.customLong("pid")], help: .hidden)
    var pidAlias = false

    @Flag(name: [.customLong("tid")], help: .hidden)
    var tidAlias = false

    func run() throws {
        let importOptions = inputs.importOptions(perf: perf.options(pid: pidAlias, tid: tidAlias))
        let profile = try ProfileLoader.load(inputs.input, format: inputs.format, options: importOptions, quiet: quiet)
        // Streamed: the stacks of a deep tree, written out whole, would take memory quadratic in its depth.
        try OutputFile.write(to: output) { emit in try FoldedStream.write(profile, to: emit) }
    }
}
