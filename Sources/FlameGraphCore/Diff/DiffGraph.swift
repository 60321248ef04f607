/// The differential flame graph: shaped like the *after* profile (or *before* with `negate`), each
/// frame coloured by how its share changed — red grew, blue shrank, intensity by the size of the change,
/// grey where the change is not significant or under the noise floor — with its own hue for frames that
/// are new (or, in the before-shaped view, gone).
public struct DiffGraph: Sendable {
    public enum ColorBy: String, Sendable, CaseIterable { case total, `self` }

    /// One tree holding both sides: `selfWeight` = after, `selfBefore` = before (normalised names).
    public var combined: Profile
    public var negate: Bool
    public var colorBy: ColorBy
    public var confidence: Double
    /// Changes smaller than this many percentage points are drawn grey.
    public var noiseFloor: Double

    public init(
        before: [Profile], after: [Profile], normalizer: FrameNormalizer, negate: Bool = false,
        colorBy: ColorBy = .total, confidence: Double = 0.99, noiseFloor: Double = 0.1
    ) {
        var combined = Profile()
        combined.makeDifferential()
        combined.unit = after.first?.unit ?? .samples
        for p in after { combined.merge(normalizer.apply(p)) }
        for p in before {
            var b = normalizer.apply(p)
            b.selfBefore = b.selfWeight
            b.selfWeight = [Double](repeating: 0, count: b.nodeCount)
            combined.merge(b)
        }
        if negate {
            let after = combined.selfWeight
            combined.selfWeight = combined.selfBefore!
            combined.selfBefore = after
        }
        self.combined = combined
        self.negate = negate
        self.colorBy = colorBy
        self.confidence = confidence
        self.noiseFloor = noiseFloor
    }

    /// The SVG.
    public func render(options: RenderOptions) throws -> [UInt8] {
        var o = options
        if o.title == nil { o.title = negate ? "Differential Flame Graph (before)" : "Differential Flame Graph" }
        o.coloring = .differential
        return try FlameGraphSVG.render(combined, options: o, decorator: Decorator(self))
    }

    static let newColor = Palette.RGB(170, 80, 220)
    static let goneColor = Palette.RGB(40, 170, 150)
    static let noiseColor = Palette.RGB(205, 205, 205)

    struct Decorator: FrameDecorator {
        let graph: DiffGraph
        let selfShown: [Double], selfOther: [Double]
        let totalShown: [Double], totalOther: [Double]
        let nShown: Double, nOther: Double
        let unitShown: Double, unitOther: Double
        let maxChange: Double
        let alpha: Double

        init(_ g: DiffGraph) {
            graph = g
            let p = g.combined
            selfShown = p.selfWeight
            selfOther = p.selfBefore ?? []
            totalShown = p.inclusive(selfShown)
            totalOther = p.inclusive(selfOther)
            nShown = totalShown[0]
            nOther = totalOther[0]
            func unit(_ w: [Double]) -> Double {
                p.unit == .samples || p.unit == .count ? 1 : (w.lazy.filter { $0 > 0 }.min() ?? 1)
            }
            unitShown = unit(selfShown)
            unitOther = unit(selfOther)
            alpha = 1 - g.confidence
            var m = 0.0
            for node in 1..<max(p.nodeCount, 1) {
                let (d, significant) = Self.change(
                    node, g.colorBy, selfShown, selfOther, totalShown, totalOther, nShown, nOther,
                    unitShown, unitOther, alpha)
                if significant && abs(d) >= g.noiseFloor { m = max(m, abs(d)) }
            }
            maxChange = m
        }

        /// Change (percentage points, shown minus other) and whether it is significant, two-sided.
        static func change(
            _ node: Int, _ by: ColorBy, _ sS: [Double], _ sO: [Double], _ tS: [Double], _ tO: [Double],
            _ nS: Double, _ nO: Double, _ uS: Double, _ uO: Double, _ alpha: Double
        ) -> (Double, Bool) {
            let kS = by == .total ? tS[node] : sS[node]
            let kO = by == .total ? tO[node] : sO[node]
            let shareS = nS > 0 ? kS / nS : 0, shareO = nO > 0 ? kO / nO : 0
            let up = Statistics.proportionIncreasePValue(k1: kO / uO, n1: nO / uO, k2: kS / uS, n2: nS / uS)
            let down = Statistics.proportionIncreasePValue(k1: kS / uS, n1: nS / uS, k2: kO / uO, n2: nO / uO)
            return ((shareS - shareO) * 100, min(up, down) * 2 < alpha)
        }

        func fill(node: Int32) -> Palette.RGB {
            let n = Int(node)
            if totalOther[n] == 0 && totalShown[n] > 0 {
                return graph.negate ? DiffGraph.goneColor : DiffGraph.newColor
            }
            let (d, significant) = Self.change(
                n, graph.colorBy, selfShown, selfOther, totalShown, totalOther, nShown, nOther, unitShown, unitOther,
                alpha)
            // In the before-shaped view the shown side is "before": growth is other − shown.
            let growth = graph.negate ? -d : d
            guard significant, abs(d) >= graph.noiseFloor, maxChange > 0 else { return DiffGraph.noiseColor }
            let t = min(1, abs(d) / maxChange)
            let light = Int((225 - 185 * t).rounded())
            return growth > 0 ? Palette.RGB(255, light, light) : Palette.RGB(light, light, 255)
        }

        func title(node: Int32, name: String) -> String {
            let n = Int(node)
            let (before, after) =
                graph.negate
                ? ((selfShown[n], totalShown[n], nShown), (selfOther[n], totalOther[n], nOther))
                : ((selfOther[n], totalOther[n], nOther), (selfShown[n], totalShown[n], nShown))
            func pct(_ w: Double, _ total: Double) -> String {
                NumberFormatting.fixed(total > 0 ? w / total * 100 : 0, decimals: 2) + "%"
            }
            func pp(_ a: Double, _ at: Double, _ b: Double, _ bt: Double) -> String {
                let d = ((at > 0 ? a / at : 0) - (bt > 0 ? b / bt : 0)) * 100
                return (d > 0 ? "+" : "") + NumberFormatting.fixed(d, decimals: 2) + " pp"
            }
            let status: String
            if before.1 == 0 {
                status = " [new]"
            } else if after.1 == 0 {
                status = " [gone]"
            } else {
                status = ""
            }
            return "\(name)\(status) — total \(pct(before.1, before.2)) → \(pct(after.1, after.2)) "
                + "(\(pp(after.1, after.2, before.1, before.2))), self \(pct(before.0, before.2)) → "
                + "\(pct(after.0, after.2)) (\(pp(after.0, after.2, before.0, before.2))); "
                + "\(NumberFormatting.grouped(after.1)) vs \(NumberFormatting.grouped(before.1)) \(graph.combined.unit.countName)"
        }

        var legend: Legend {
            Legend(
                stops: [
                    (0, Palette.RGB(40, 40, 255)), (0.5, Palette.RGB(225, 225, 255)), (0.5, Palette.RGB(255, 225, 225)),
                    (1, Palette.RGB(255, 40, 40)),
                ],
                left: "shrank", right: "grew (\(graph.colorBy.rawValue) share)",
                swatches: [
                    (graph.negate ? "gone" : "new", graph.negate ? DiffGraph.goneColor : DiffGraph.newColor),
                    ("no significant change", DiffGraph.noiseColor),
                ])
        }
    }
}
