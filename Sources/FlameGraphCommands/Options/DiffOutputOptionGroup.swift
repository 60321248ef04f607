import ArgumentParser
import FlameGraphCore

/// What `diff` writes beside its reports: the differential SVG and how it is drawn, and optionally the
/// two-column `stack before after` lines (inferno-diff-folded's `-n` and `-s`).
struct DiffOutputOptionGroup: ParsableArguments {
    @Option(name: [.short, .long], help: "Differential SVG (`-` = stdout).")
    var output: String = "diff.svg"

    @Option(name: [.customLong("folded-output")], help: "Also write `stack before after` lines.")
    var foldedOutput: String?

    @Flag(help: "With --folded-output: scale before counts to after's total (inferno-diff-folded -n).")
    var normalize = false

    @Flag(name: [.customLong("strip-hex")], help: "With --folded-output: replace hex addresses by 0x... (-s).")
    var stripHex = false

    @Flag(help: "Draw the before-shaped view, so vanished frames show.")
    var negate = false

    @Option(name: [.customLong("color-by")], help: "Colour by the change of total or self share (default total).")
    var colorBy: DiffGraph.ColorBy = .total

    /// Writes the two-column lines to --folded-output, when it is given.
    func writeFolded(before: [Profile], after: [Profile], quiet: Bool) throws {
        guard let foldedOutput else { return }
        let (twoColumn, fractional) = DiffFolded.build(
            before: before, after: after, options: .init(normalize: normalize, stripHex: stripHex))
        if fractional && !quiet {
            Console.warn(
                "The input data has fractional sample counts that will be truncated to integers in \(foldedOutput)")
        }
        try OutputFile.write(FoldedWriter.write(twoColumn), to: foldedOutput)
    }
}
