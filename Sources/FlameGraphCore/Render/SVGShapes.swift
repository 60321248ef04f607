/// The `<rect>` and `<text>` openings the frames and the legend share: each coordinate with fixed
/// decimals, in pixels or as a percentage of the frames' width.
extension FlameGraphSVG.Writer {
    struct Coordinate {
        var value: Double
        var decimals: Int
        var percent = false

        /// Pixels, with 2 decimals unless told.
        static func px(_ value: Double, _ decimals: Int = 2) -> Coordinate {
            Coordinate(value: value, decimals: decimals)
        }

        /// A percentage of the frames' width, with 4 decimals (enough for a pixel of 100,000).
        static func pct(_ value: Double) -> Coordinate { Coordinate(value: value, decimals: 4, percent: true) }
    }

    /// Writes `<rect x="…" y="…" width="…" height="…"`; the caller adds the fill and closes it.
    @inline(__always)
    mutating func openRect(x: Coordinate, y: Coordinate, width: Coordinate, height: Coordinate) {
        out.raw("<rect x=\"")
        coordinate(x)
        out.raw("\" y=\"")
        coordinate(y)
        out.raw("\" width=\"")
        coordinate(width)
        out.raw("\" height=\"")
        coordinate(height)
        out.raw("\"")
    }

    /// Writes `<text x="…" y="…"`; the caller adds the rest of the tag, the text and `</text>`.
    mutating func openText(x: Coordinate, y: Coordinate) {
        out.raw("<text x=\"")
        coordinate(x)
        out.raw("\" y=\"")
        coordinate(y)
        out.raw("\"")
    }

    @inline(__always)
    private mutating func coordinate(_ c: Coordinate) {
        out.fixed(c.value, c.decimals)
        if c.percent { out.raw("%") }
    }
}
