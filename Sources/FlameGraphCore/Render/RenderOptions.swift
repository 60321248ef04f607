/// Everything that decides how a flame graph looks. Defaults match inferno and flamegraph.pl.
public struct RenderOptions: Sendable {
    public enum MinWidth: Sendable, Equatable {
        /// Frames narrower than this many pixels are not drawn.
        case pixels(Double)
        /// Frames narrower than this percentage of the total are not drawn.
        case percent(Double)
    }

    /// How frames are coloured.
    public enum Coloring: Sendable, Equatable {
        /// By name, with the palette.
        case palette
        /// By share of the total: red (hot) to blue (cold).
        case hotCold
        /// By the frame's own change (differential input): red grew, blue shrank.
        case differential
        /// By width: wider frames darker red (inferno's `--colordiffusion`).
        case widthDiffusion
    }

    /// Extra attributes for frames of one function (inferno's and flamegraph.pl's `--nameattr`).
    public struct FrameAttributes: Sendable, Equatable {
        /// Replaces the tooltip text.
        public var title: String?
        /// Makes the frame a link.
        public var href: String?
        /// Other attributes, in file order (`class`, `id`, `target`, `g_extra`/`a_extra` pairs, …).
        public var attributes: [(String, String)] = []
        public init() {}
        public static func == (a: Self, b: Self) -> Bool {
            a.title == b.title && a.href == b.href && a.attributes.elementsEqual(b.attributes, by: { $0 == $1 })
        }
    }

    public var title: String? = nil
    public var subtitle: String? = nil
    public var width: Int = 1200
    /// Follow the browser window's width (and refit labels on resize); `width` is then the size used
    /// by viewers that run no script.
    public var fluid = true
    /// Outline of every frame (`--stroke-color`); nil draws none.
    public var strokeColor: String? = nil
    public var frameHeight: Int = 16
    public var fontSize: Double = 12
    public var fontType: String = "monospace"
    public var fontWidth: Double = 0.59
    public var minWidth: MinWidth = .pixels(0.1)
    public var palette: Palette = .hot
    public var colorMode: Palette.Mode = .hashed
    public var coloring: Coloring = .palette
    /// Icicle graph: the root at the top.
    public var inverted = false
    /// Keep input order (time), do not merge across time.
    public var flameChart = false
    /// Replaces the unit word in tooltips (`--count-name`); nil names the profile's unit and scales
    /// the number for people ("2.88 s", "1 sample").
    public var countName: String? = nil
    public var nameType = "Function:"
    public var notes: String? = nil
    public var searchColor = "rgb(230,0,230)"
    /// Cut long labels on the left, keeping the end of the name.
    public var truncateTextRight = false
    /// Embed the stacks the graph was drawn from (read back by `file`, `diff` and `explain`).
    public var embedStacks = true
    /// Background gradient (top, bottom); nil picks the palette's.
    public var background: (String, String)? = nil
    /// Colour of the title, details and buttons.
    public var uiColor: String = "rgb(0,0,0)"
    /// Per-function attributes, by frame name.
    public var nameAttributes: [String: FrameAttributes] = [:]
    /// Colours to reuse by name (`--cp` palette map); the renderer reports the colours it used.
    public var paletteMap: [String: Palette.RGB]? = nil

    public init() {}

    /// The default title for these options.
    public var resolvedTitle: String {
        if let title { return title }
        if flameChart { return "Flame Chart" }
        if inverted { return "Icicle Graph" }
        switch coloring {
        case .hotCold: return "Hot/Cold Flame Graph"
        case .differential: return "Differential Flame Graph"
        case .palette, .widthDiffusion: return "Flame Graph"
        }
    }
}
