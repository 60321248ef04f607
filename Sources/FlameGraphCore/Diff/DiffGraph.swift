/// The differential flame graph: shaped like the *after* profile (or *before* with `negate`), each
/// frame coloured by the gate's own numbers for its function (`DiffResult`, one statistic everywhere):
///
/// - the hue says the direction (red grew, blue shrank) and its strength the size of the change in
///   percentage points — every change is visible, significant or not;
/// - significance is marked separately: full colour with a dark outline for a regression (or a
///   significant decrease), full colour with a purple outline for an inconclusive growth, washed-out
///   colour for a change the gate calls noise;
/// - frames that are new (or, in the before-shaped view, gone) have their own hue; frames the gate
///   leaves out (idle, outside `--focus`) and changes under the noise floor are grey.
public struct DiffGraph: Sendable {
    public enum ColorBy: String, Sendable, CaseIterable { case total, `self` }

    /// One tree holding both sides: `selfWeight` = after, `selfBefore` = before (normalised names).
    public var combined: Profile
    public var negate: Bool
    public var colorBy: ColorBy
    /// The gate's result, by (normalised) function name.
    public var changes: [String: FrameChange]
    /// Changes smaller than this many percentage points are drawn grey.
    public var noiseFloor: Double

    public init(
        before: [Profile], after: [Profile], normalizer: FrameNormalizer, result: DiffResult, negate: Bool = false,
        colorBy: ColorBy = .total, noiseFloor: Double = 0.1
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
        self.changes = Dictionary(result.frames.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
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
    static let significantOutline = Palette.RGB(40, 20, 20)
    static let inconclusiveOutline = Palette.RGB(150, 60, 200)
    /// Changes of this many percentage points or more get the strongest hue.
    static let fullScalePP = 10.0

    struct Decorator: FrameDecorator {
        let graph: DiffGraph
        let selfShown: [Double], selfOther: [Double]
        let totalShown: [Double], totalOther: [Double]
        let nShown: Double, nOther: Double

        init(_ g: DiffGraph) {
            graph = g
            let p = g.combined
            selfShown = p.selfWeight
            selfOther = p.selfBefore ?? []
            totalShown = p.inclusive(selfShown)
            totalOther = p.inclusive(selfOther)
            nShown = totalShown[0]
            nOther = totalOther[0]
        }

        func change(_ node: Int32) -> FrameChange? {
            graph.changes[graph.combined.names.string(graph.combined.name[Int(node)])]
        }

        func fill(node: Int32) -> Palette.RGB {
            let n = Int(node)
            if totalOther[n] == 0 && totalShown[n] > 0 {
                return graph.negate ? DiffGraph.goneColor : DiffGraph.newColor
            }
            guard let c = change(node) else { return DiffGraph.noiseColor }
            let growth = graph.colorBy == .total ? c.totalDelta : c.selfDelta
            guard abs(growth) >= graph.noiseFloor else { return DiffGraph.noiseColor }
            let t = min(1, abs(growth) / DiffGraph.fullScalePP)
            let marked = c.regressed || c.inconclusive || c.significantDecrease || c.acknowledged != nil
            // Washed-out colours stay pale (light 200…235); marked ones span the full ramp (40…225).
            let light = marked ? Int((225 - 185 * t).rounded()) : Int((235 - 35 * t).rounded())
            return growth > 0 ? Palette.RGB(255, light, light) : Palette.RGB(light, light, 255)
        }

        func stroke(node: Int32) -> Palette.RGB? {
            guard let c = change(node) else { return nil }
            if c.inconclusive { return DiffGraph.inconclusiveOutline }
            return c.regressed || c.significantDecrease ? DiffGraph.significantOutline : nil
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
                + gateNote(node)
        }

        /// The gate's verdict for the function, as every report says it.
        func gateNote(_ node: Int32) -> String {
            guard let c = change(node) else { return "; not gated" }
            let p = "p = " + NumberFormatting.fixed(c.adjustedPValue ?? c.pValue, decimals: 4)
            if c.regressed { return "; gate: REGRESSION (\(p))" }
            if c.inconclusive { return "; gate: inconclusive (\(p))" }
            if c.significantDecrease { return "; gate: significant decrease" }
            return "; gate: within noise (\(p))"
        }

        var legend: Legend {
            Legend(
                stops: [
                    (0, Palette.RGB(40, 40, 255)), (0.5, Palette.RGB(225, 225, 255)), (0.5, Palette.RGB(255, 225, 225)),
                    (1, Palette.RGB(255, 40, 40)),
                ],
                left: "shrank",
                right:
                    "grew ≥ \(NumberFormatting.weight(DiffGraph.fullScalePP)) pp (\(graph.colorBy.rawValue) share; outlined = significant)",
                swatches: [
                    ("not significant (pale)", Palette.RGB(255, 218, 218)),
                    ("inconclusive (purple outline)", DiffGraph.inconclusiveOutline),
                    (graph.negate ? "gone" : "new", graph.negate ? DiffGraph.goneColor : DiffGraph.newColor),
                    ("no change / not gated", DiffGraph.noiseColor),
                ])
        }
    }
}
