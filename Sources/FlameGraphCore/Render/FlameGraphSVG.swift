/// Draws a profile as a standalone, interactive SVG flame graph (structure: `docs/SVG_FORMAT.md`).
public enum FlameGraphSVG {
    static let xpad = 10.0
    /// Below this many frames one lane is quicker than starting others.
    public static let framesForTwoLanes = 20_000

    /// Renders `profile`. Fails (bad input) when there is nothing to draw.
    public static func render(_ profile: Profile, options: RenderOptions) throws -> [UInt8] {
        var unused: [String: Palette.RGB] = [:]
        return try render(profile, options: options, usedColors: &unused)
    }

    /// Renders `profile` with colours and tooltips from `decorator` (differential graphs).
    public static func render(_ profile: Profile, options: RenderOptions, decorator: any FrameDecorator) throws
        -> [UInt8]
    {
        var unused: [String: Palette.RGB] = [:]
        return try render(profile, options: options, usedColors: &unused, decorator: decorator)
    }

    /// Renders `profile` and reports the colour given to each function name (for `--cp` palette maps).
    public static func render(
        _ profile: Profile, options: RenderOptions, usedColors: inout [String: Palette.RGB],
        decorator: (any FrameDecorator)? = nil
    ) throws -> [UInt8] {
        let parts = try renderParts(profile, options: options, usedColors: &usedColors, decorator: decorator)
        return parts.count == 1 ? parts[0] : Array(parts.joined())
    }

    /// The SVG as consecutive parts (a large graph is written on both cores in pieces): a file writer
    /// writes them one after the other instead of copying them into one buffer first.
    public static func renderParts(
        _ profile: Profile, options: RenderOptions, usedColors: inout [String: Palette.RGB],
        decorator: (any FrameDecorator)? = nil, piecesFrom: Int = framesForTwoLanes
    ) throws -> [[UInt8]] {
        let total = profile.totalWeight
        guard total > 0, total.isFinite else {
            throw FlameGraphError(.badInput, "no stack counts found: the profile has no samples to draw")
        }
        let framesWidth = Double(options.width) - 2 * xpad
        guard framesWidth > 0 else {
            throw FlameGraphError(.usage, "--width \(options.width) leaves no room for frames (minimum 21)")
        }
        let minWeight: Double
        switch options.minWidth {
        case .pixels(let px): minWeight = total * px / framesWidth
        case .percent(let pct): minWeight = total * pct / 100
        }
        let layout =
            options.flameChart
            ? FlameLayoutBuilder.flameChart(profile, minWidth: minWeight)
            : FlameLayoutBuilder.layout(profile, minWidth: minWeight)
        var writer = Writer(
            profile: profile, options: options, layout: layout, framesWidth: framesWidth, decorator: decorator)
        writer.piecesFrom = piecesFrom
        writer.write()
        usedColors = writer.usedColors
        return writer.finished + [writer.out.bytes]
    }

    struct Writer {
        let profile: Profile
        let options: RenderOptions
        let layout: FlameLayout
        let framesWidth: Double
        let decorator: (any FrameDecorator)?
        var out = ByteBuffer()
        /// Parts written before `out` (see `renderParts`).
        var finished: [[UInt8]] = []
        var escapedNames: [[UInt8]?]
        var colorCache: [Palette.RGB?]
        var random: SeededRandom
        var usedColors: [String: Palette.RGB] = [:]

        let fontSize: Double
        let frameHeight: Double
        let ypad1: Double
        let ypad2: Double
        let imageHeight: Double
        let hasLegend: Bool
        var maxDelta = 0.0
        /// From how many frames the frames are written in pieces (tests compare with one lane).
        var piecesFrom = FlameGraphSVG.framesForTwoLanes

        init(
            profile: Profile, options: RenderOptions, layout: FlameLayout, framesWidth: Double,
            decorator: (any FrameDecorator)?
        ) {
            self.decorator = decorator
            self.profile = profile
            self.options = options
            self.layout = layout
            self.framesWidth = framesWidth
            escapedNames = Array(repeating: nil, count: profile.names.count)
            colorCache = Array(repeating: nil, count: profile.names.count)
            if case .random(let seed) = options.colorMode {
                random = SeededRandom(seed: seed)
            } else {
                random = SeededRandom(seed: 1)
            }
            fontSize = options.fontSize
            frameHeight = Double(options.frameHeight)
            hasLegend = options.coloring == .hotCold || options.coloring == .differential || decorator != nil
            var top = fontSize * 3
            if options.subtitle != nil { top += fontSize * 2 }
            if hasLegend { top += fontSize + 10 }
            ypad1 = top
            ypad2 = fontSize * 2 + 10
            imageHeight = (Double(layout.maxDepth) + 1) * frameHeight + ypad1 + ypad2
            if options.coloring == .differential {
                for f in layout.frames { maxDelta = max(maxDelta, abs(f.selfAfter - f.selfBefore)) }
            }
        }

        /// Whether the frames are written on both cores in pieces: a large graph whose colours do not
        /// depend on the frames written before (a differential decorator and `--random` colours keep
        /// state from frame to frame).
        var writesInPieces: Bool {
            layout.frames.count >= piecesFrom && decorator == nil && options.colorMode == .hashed
        }

        mutating func write() {
            out.bytes.reserveCapacity((writesInPieces ? 0 : layout.frames.count * 260) + 8192)
            header()
            frames(embed: options.embedStacks)
            out.raw("</svg>\n")
        }
    }
}
