import ArgumentParser
import FlameGraphCore

/// `flame-graph file`: any supported profile file to an interactive SVG.
struct FileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file",
        abstract:
            "Draw a flame graph from a profile file (folded stacks, perf script, .cpuprofile, pprof, speedscope, SVG).",
        discussion: """
            Examples:
              flame-graph file --input stacks.folded --output cpu.svg
              perf script | flame-graph file --input - --output cpu.svg --colors hot
              flame-graph file --input old.svg --min-width 1% --title "Hot paths only"
            """)

    @OptionGroup var inputs: InputOptionGroup
    @OptionGroup var output: OutputOptionGroup
    @OptionGroup var render: RenderOptionGroup
    @OptionGroup var perf: PerfOptionGroup

    func run() throws {
        try Rendering.drawAndWrite(inputs: inputs, output: output, render: render, perf: perf, coloring: nil)
    }
}

/// `flame-graph hotcold`: frames coloured by their share of samples.
struct HotColdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotcold",
        abstract: "Draw a flame graph coloured by sample share: red frames are hot, blue ones cold.",
        discussion: """
            Example:
              flame-graph hotcold --input stacks.folded --output hotcold.svg
            """)

    @OptionGroup var inputs: InputOptionGroup
    @OptionGroup var output: OutputOptionGroup
    @OptionGroup var render: RenderOptionGroup
    @OptionGroup var perf: PerfOptionGroup

    func run() throws {
        try Rendering.drawAndWrite(inputs: inputs, output: output, render: render, perf: perf, coloring: .hotCold)
    }
}
