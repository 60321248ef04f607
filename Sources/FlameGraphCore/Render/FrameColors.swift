/// Frame colours that do not come from a name: hot/cold, differential, the caller's decorator, and the
/// label colour that stays readable on any of them.

/// Colours and tooltips chosen per frame by the caller (differential graphs), with their legend.
public protocol FrameDecorator {
    func fill(node: Int32) -> Palette.RGB
    /// The whole tooltip text for the frame.
    func title(node: Int32, name: String) -> String
    var legend: Legend { get }
    /// An outline for the frame (the differential graph marks significance with it), nil for none.
    func stroke(node: Int32) -> Palette.RGB?
}

extension FrameDecorator {
    public func stroke(node: Int32) -> Palette.RGB? { nil }
}

/// What the legend above the frames shows: a colour ramp between two labels, then named swatches.
public struct Legend: Sendable {
    public var stops: [(Double, Palette.RGB)]
    public var left: String
    public var right: String
    public var swatches: [(String, Palette.RGB)]
    public init(stops: [(Double, Palette.RGB)], left: String, right: String, swatches: [(String, Palette.RGB)]) {
        self.stops = stops
        self.left = left
        self.right = right
        self.swatches = swatches
    }
}

/// Hot/cold colours: a cool-to-warm ramp over a frame's share of all samples.
public enum HotColdColor {
    /// Heat in [0, 1] for a share in [0, 1], on a log scale so that 0.1 %, 1 %, 10 % and 100 % are
    /// evenly spaced: most frames are small, and a linear scale would paint them all the same blue.
    public static func heat(share: Double) -> Double {
        guard share > 0 else { return 0 }
        return min(1, max(0, (log10Approx(share) + 3) / 3))
    }

    static func log10Approx(_ x: Double) -> Double {
        // log10 without Foundation: ln via the exponent/mantissa split and a short series.
        var m = x
        var e = 0.0
        while m < 1 {
            m *= 10
            e -= 1
        }
        while m >= 10 {
            m /= 10
            e += 1
        }
        // m in [1, 10): ln(m) through atanh series on (m-1)/(m+1).
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        var term = t
        var sum = 0.0
        var k = 1.0
        for _ in 0..<30 {
            sum += term / k
            term *= t2
            k += 2
        }
        return e + 2 * sum / 2.302585092994046
    }

    /// Blue (cold, 0) through light grey to red (hot, 1).
    public static func color(_ heat: Double) -> Palette.RGB {
        let cold = (59.0, 76.0, 192.0), mid = (221.0, 221.0, 221.0), hot = (180.0, 4.0, 38.0)
        let (a, b, t) = heat < 0.5 ? (cold, mid, heat * 2) : (mid, hot, (heat - 0.5) * 2)
        return Palette.RGB(
            Int((a.0 + (b.0 - a.0) * t).rounded()), Int((a.1 + (b.1 - a.1) * t).rounded()),
            Int((a.2 + (b.2 - a.2) * t).rounded()))
    }
}

/// Differential colours, as flamegraph.pl draws them: white for no change, red for growth, blue for
/// shrinkage, saturated in proportion to the largest change in the graph.
public enum DiffColor {
    public static func color(delta: Double, maxDelta: Double) -> Palette.RGB {
        guard maxDelta > 0, delta != 0 else { return Palette.RGB(255, 255, 255) }
        let c = Int(210 * (maxDelta - min(abs(delta), maxDelta)) / maxDelta)
        return delta > 0 ? Palette.RGB(255, c, c) : Palette.RGB(c, c, 255)
    }
}

/// Label colour per fill: black or white, whichever contrasts more (WCAG 2 relative luminance). The
/// better of the two is always at least 4.58:1, so every label clears the 4.5:1 bar.
public enum TextContrast {
    /// Whether white text reads better than black on `fill`.
    public static func prefersLightText(on fill: Palette.RGB) -> Bool {
        let l = luminance(fill)
        return (1.05 / (l + 0.05)) > ((l + 0.05) / 0.05)
    }

    /// WCAG contrast ratio between two colours (1…21).
    public static func ratio(_ a: Palette.RGB, _ b: Palette.RGB) -> Double {
        let (x, y) = (luminance(a), luminance(b))
        return (max(x, y) + 0.05) / (min(x, y) + 0.05)
    }

    public static func luminance(_ c: Palette.RGB) -> Double {
        let table = linearChannel
        func channel(_ v: Int) -> Double { table[min(max(v, 0), 255)] }
        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
    }

    /// sRGB channel value 0…255 → linear light, computed once: every frame of a large graph asks
    /// (computing it per frame took 42 % of folded → SVG).
    static let linearChannel: [Double] = (0...255).map { v in
        let s = Double(v) / 255
        return s <= 0.04045 ? s / 12.92 : pow24((s + 0.055) / 1.055)
    }

    /// x^2.4 without Foundation: exp(2.4·ln x) by series is overkill; x^2 · x^0.4 with x^0.4 from
    /// Newton iterations on y^5 = x^2 is exact enough for a 4.5:1 threshold.
    static func pow24(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        let target = x * x
        var y = x > 0.5 ? x : 0.5
        for _ in 0..<60 {
            let y4 = y * y * y * y
            y -= (y4 * y - target) / (5 * y4)
        }
        return x * x * y
    }
}
