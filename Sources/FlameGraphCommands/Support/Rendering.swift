import FlameGraphCore

/// The shared load → transform → draw → write pipeline of the drawing subcommands.
enum Rendering {
    static func drawAndWrite(
        inputs: InputOptionGroup, output: OutputOptionGroup, render: RenderOptionGroup, perf: PerfOptionGroup,
        coloring: RenderOptions.Coloring?
    ) throws {
        let importOptions = inputs.importOptions(perf: perf.options(), keepSequence: render.flamechart)
        if render.noSort && render.reverse && !output.quiet {
            Console.warn(
                "Input lines are always sorted when `reverse_stack_order` is `true`. The `no_sort` option is being ignored. (--no-sort has no effect with --reverse.)"
            )
        }
        let loaded = try ProfileLoader.load(
            inputs.input, format: inputs.format, options: importOptions, quiet: output.quiet,
            requireSorted: render.noSort && !render.reverse)
        try draw(
            loaded, output: output.output, foldedOutput: output.foldedOutput, render: render, coloring: coloring,
            quiet: output.quiet)
    }

    /// The transform → draw → write part: `profile` drawn with the rendering flags into `output` (and
    /// its folded stacks into `foldedOutput`). Captures call this with what they recorded.
    static func draw(
        _ loaded: Profile, output: String, foldedOutput: String?, render: RenderOptionGroup,
        coloring: RenderOptions.Coloring?, defaultPalette: Palette = .hot, quiet: Bool = false
    ) throws {
        let profile = render.transform(loaded)
        guard profile.totalWeight > 0 else {
            let after = render.base.isEmpty ? "" : " after --base \(render.base.joined(separator: ", "))"
            throw FlameGraphError(.badInput, "no samples left to draw\(after)")
        }
        var options = try render.renderOptions(
            defaultCountName: profile.unit.countName, defaultPalette: defaultPalette)
        if let coloring {
            options.coloring = coloring
        } else if profile.isDifferential && options.coloring == .palette {
            options.coloring = .differential
        }
        try render.readFrameFiles(into: &options, quiet: quiet)
        let paletteMapPath = RenderOptionGroup.paletteMapPath
        var used: [String: Palette.RGB] = [:]
        let svg = try FlameGraphSVG.renderParts(profile, options: options, usedColors: &used)
        if render.consistentPalette {
            let merged = (options.paletteMap ?? [:]).merging(used) { old, _ in old }
            try OutputFile.write(Array(PaletteMapFile.serialize(merged).utf8), to: paletteMapPath)
        }
        if let foldedOutput {
            try OutputFile.write(FoldedWriter.write(profile), to: foldedOutput)
        }
        try OutputFile.write(to: output) { emit in
            for part in svg { try part.withUnsafeBytes { try emit($0) } }
        }
    }
}
