import ArgumentParser
import FlameGraphCore

/// The rendering flags of every subcommand that draws an SVG (names compatible with inferno and
/// flamegraph.pl where they overlap; inferno's spellings are accepted as aliases).
struct RenderOptionGroup: ParsableArguments {
    @Option(help: "Title text (default: \"Flame Graph\").")
    var title: String?

    @Option(help: "Second title line.")
    var subtitle: String?

    @Option(
        help:
            "Image width in pixels; the graph then keeps this width (default: follow the browser window, 1200 elsewhere)."
    )
    var width: Int?

    @Option(name: [.customLong("frame-height"), .customLong("height")], help: "Height of each frame in pixels.")
    var frameHeight: Int = 16

    @Option(name: [.customLong("font-size"), .customLong("fontsize")], help: "Font size in pixels.")
    var fontSize: Double = 12

    @Option(name: [.customLong("font-type"), .customLong("fonttype")], help: "Font family.")
    var fontType: String = "monospace"

    @Option(
        name: [.customLong("font-width"), .customLong("fontwidth")],
        help: "Average character width as a fraction of the font size (for label truncation).")
    var fontWidth: Double = 0.59

    @Option(
        name: [.customLong("min-width"), .customLong("minwidth")],
        help: "Omit frames narrower than this many pixels, or than N% of the total with a trailing %.")
    var minWidth: RenderOptions.MinWidth = .pixels(0.1)

    @Option(
        name: [.customLong("colors"), .customLong("colours"), .short],
        help: ArgumentHelp("Colour palette (default: hot; io for offcpu).", valueName: "palette"))
    var colors: Palette?

    @Flag(help: "Colour by a hash of the function name (the default; kept for flamegraph.pl compatibility).")
    var hash = false

    @Flag(name: [.customLong("random")], help: "Random colours (different on every run).")
    var random = false

    @Flag(name: [.customLong("deterministic")], help: .hidden)
    var deterministic = false

    @Flag(help: "Reverse each stack (leaf first) before merging: callers of hot leaves.")
    var reverse = false

    @Flag(help: "Icicle graph: root at the top, growing downwards.")
    var inverted = false

    @Flag(help: "Flame chart: keep input (time) order and do not merge stacks across time.")
    var flamechart = false

    @Option(
        name: [.customLong("count-name"), .customLong("countname")],
        help: "Name of the count unit in tooltips (default: the input's unit, e.g. samples, ms, MiB).")
    var countName: String?

    @Option(name: [.customLong("name-type"), .customLong("nametype")], help: "Prefix of the hover details line.")
    var nameType: String = "Function:"

    @Option(help: "Notes embedded in the SVG.")
    var notes: String?

    @Option(help: "Multiply all counts by this factor.")
    var factor: Double = 1

    @Option(name: [.customLong("search-color")], help: "Colour of frames matched by a search.")
    var searchColor: String = "rgb(230,0,230)"

    @Option(name: [.customLong("stroke-color")], help: "Outline colour of every frame (default: none).")
    var strokeColor: String?

    @Flag(name: [.customLong("truncate-text-right")], help: "Cut long labels on the left, keeping their end.")
    var truncateTextRight = false

    @Option(
        name: [.customLong("bgcolors")],
        help: "Background: yellow, blue, green, grey, or a colour such as '#f0f0f0' (default: from the palette).")
    var bgcolors: String?

    @Option(name: [.customLong("uicolor")], help: "Colour of the title, details and buttons.")
    var uiColor: String?

    @Flag(name: [.customLong("colordiffusion")], help: "Colour frames by width: wider frames darker red.")
    var colorDiffusion = false

    @Option(
        name: [.customLong("nameattr")],
        help: ArgumentHelp(
            "Per-function attributes (NAME<TAB>key=value… lines: title, href, class, id, …).", valueName: "file"))
    var nameAttr: String?

    @Flag(name: [.customLong("cp")], help: "Consistent palette: reuse and update colours in ./palette.map.")
    var consistentPalette = false

    @Flag(name: [.customLong("no-sort")], help: "Check that folded input is already sorted instead of not caring.")
    var noSort = false

    @Option(
        name: [.customLong("base")], help: "Draw only stacks through a frame of this name, starting at it (repeatable)."
    )
    var base: [String] = []

    func validate() throws {
        if let width, !(21...100_000).contains(width) {
            throw ValidationError("--width must be between 21 and 100000 pixels, got \(width)")
        }
        guard frameHeight >= 2 && frameHeight <= 1000 else {
            throw ValidationError("--frame-height must be between 2 and 1000 pixels, got \(frameHeight)")
        }
        guard fontSize > 0 && fontSize <= 500 else { throw ValidationError("--font-size must be positive") }
        guard fontWidth > 0 && fontWidth <= 10 else { throw ValidationError("--font-width must be positive") }
        guard factor > 0 && factor.isFinite else { throw ValidationError("--factor must be a positive number") }
        if random && (hash || deterministic) {
            throw ValidationError("--random conflicts with --hash/--deterministic")
        }
        if let uiColor, !isSafeColor(uiColor) {
            throw ValidationError("--uicolor must be a CSS colour such as '#ff0000'")
        }
        if let bgcolors, !["yellow", "blue", "green", "grey", "gray"].contains(bgcolors), !isSafeColor(bgcolors) {
            throw ValidationError("--bgcolors must be yellow, blue, green, grey or a CSS colour")
        }
        if let strokeColor, !isSafeColor(strokeColor) {
            throw ValidationError("--stroke-color must be a CSS colour such as '#7d7d7d' or 'rgb(0,0,0)'")
        }
        guard isSafeColor(searchColor) else {
            throw ValidationError("--search-color must be a CSS colour such as '#7d7d7d' or 'rgb(230,0,230)'")
        }
    }

    func isSafeColor(_ s: String) -> Bool {
        !s.isEmpty && s.count < 64
            && s.unicodeScalars.allSatisfy {
                ($0.value >= 0x30 && $0.value <= 0x39) || ($0.value >= 0x41 && $0.value <= 0x5A)
                    || ($0.value >= 0x61 && $0.value <= 0x7A) || "#(),. %".unicodeScalars.contains($0)
            }
    }

    /// The core's options for these flags. Tooltips name the profile's own unit unless --count-name is
    /// given (`defaultCountName` is kept for callers; the renderer reads the unit from the profile).
    func renderOptions(defaultCountName: String? = nil, defaultPalette: Palette = .hot) throws -> RenderOptions {
        var o = RenderOptions()
        o.title = title
        o.subtitle = subtitle
        o.width = width ?? 1200
        o.fluid = width == nil
        o.strokeColor = strokeColor
        o.frameHeight = frameHeight
        o.fontSize = fontSize
        o.fontType = fontType
        o.fontWidth = fontWidth
        o.minWidth = minWidth
        o.palette = colors ?? defaultPalette
        if random {
            var g = SystemRandomNumberGenerator()
            o.colorMode = .random(seed: g.next())
        }
        o.inverted = inverted
        o.flameChart = flamechart
        o.countName = countName
        o.nameType = nameType
        o.notes = notes
        o.searchColor = searchColor
        o.truncateTextRight = truncateTextRight
        if let uiColor { o.uiColor = uiColor }
        if colorDiffusion { o.coloring = .widthDiffusion }
        switch bgcolors {
        case nil: break
        case "yellow": o.background = ("#eeeeee", "#eeeeb0")
        case "blue": o.background = ("#eeeeee", "#e0e0ff")
        case "green": o.background = ("#eef2ee", "#e0ffe0")
        case "grey", "gray": o.background = ("#f8f8f8", "#e8e8e8")
        case let flat?: o.background = (flat, flat)
        }
        return o
    }

    static let paletteMapPath = "palette.map"

    /// Reads `--nameattr` and the `--cp` palette map into `options`; bad lines are skipped with one
    /// warning per kind (unless `quiet`).
    func readFrameFiles(into options: inout RenderOptions, quiet: Bool) throws {
        var diagnostics = Diagnostics()
        if let nameAttr {
            options.nameAttributes = NameAttributesFile.parse(
                String(decoding: try InputFile.readAll(nameAttr), as: UTF8.self), source: "--nameattr \(nameAttr)",
                diagnostics: &diagnostics)
        }
        if consistentPalette {
            let path = Self.paletteMapPath
            let existing = (try? InputFile.readAll(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            options.paletteMap = PaletteMapFile.parse(existing, source: path, diagnostics: &diagnostics)
        }
        if !quiet { for w in diagnostics.warnings { Console.warn(w) } }
    }

    /// Applies the profile transformations these flags ask for (`--reverse`, `--factor`).
    func transform(_ profile: Profile) -> Profile {
        var p = profile
        if !base.isEmpty { p = p.rebased(at: Set(base)) }
        if reverse { p = p.reversed() }
        if factor != 1 { p = p.scaled(by: factor) }
        return p
    }
}

extension Palette: ExpressibleByArgument {}

/// `--min-width 0.1` (pixels) or `--min-width 0.5%` (of the total).
extension RenderOptions.MinWidth: ExpressibleByArgument {
    public init?(argument: String) {
        var s = Substring(argument)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        if s.hasSuffix("%"), let v = Double(s.dropLast()), v >= 0, v <= 100 {
            self = .percent(v)
        } else if let v = Double(s), v >= 0, v.isFinite {
            self = .pixels(v)
        } else {
            return nil
        }
    }

    public var defaultValueDescription: String {
        switch self {
        case .pixels(let px): return NumberFormatting.weight(px)
        case .percent(let pct): return NumberFormatting.weight(pct) + "%"
        }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
