/// What the gate compares and how strict it is: flags and the `--config` file end up here.
public struct GateSettings: Sendable {
    public enum Metric: String, Sendable, CaseIterable { case total, `self` }

    /// A set of frame names: a glob (`*`, `?`, whole name) or a regular expression (partial match).
    public struct FramePattern: Sendable, CustomStringConvertible {
        public enum Kind: Sendable { case glob, regex }
        public var kind: Kind
        public var text: String

        public init(glob: String) {
            kind = .glob
            text = glob
        }

        public init(regex: String) throws {
            kind = .regex
            text = regex
            _ = try Self.compile(regex)
        }

        static func compile(_ text: String) throws -> Regex<AnyRegexOutput> {
            do { return try Regex(text) } catch {
                throw FlameGraphError(.usage, "invalid regular expression '\(text)' in the gate config: \(error)")
            }
        }

        public func matches(_ name: String) -> Bool {
            switch kind {
            case .glob: return Self.globMatch(Array(text.unicodeScalars), Array(name.unicodeScalars))
            case .regex: return (try? Self.compile(text)).map { name.contains($0) } ?? false
            }
        }

        public var description: String { kind == .glob ? text : "/\(text)/" }

        static func globMatch(_ p: [Unicode.Scalar], _ s: [Unicode.Scalar]) -> Bool {
            var pi = 0, si = 0, star = -1, mark = 0
            while si < s.count {
                if pi < p.count && (p[pi] == "?" || p[pi] == s[si]) {
                    pi += 1
                    si += 1
                } else if pi < p.count && p[pi] == "*" {
                    star = pi
                    mark = si
                    pi += 1
                } else if star >= 0 {
                    pi = star + 1
                    mark += 1
                    si = mark
                } else {
                    return false
                }
            }
            while pi < p.count && p[pi] == "*" { pi += 1 }
            return pi == p.count
        }
    }

    /// Frames matching `pattern` get their own threshold, or are ignored.
    public struct Rule: Sendable {
        public var pattern: FramePattern
        public var threshold: Double?
        public var ignore: Bool
        public init(pattern: FramePattern, threshold: Double? = nil, ignore: Bool = false) {
            self.pattern = pattern
            self.threshold = threshold
            self.ignore = ignore
        }
    }

    /// A known regression that should not fail the build until `expires` (YYYY-MM-DD).
    public struct Acknowledgement: Sendable {
        public var pattern: FramePattern
        public var reason: String
        public var expires: String?
        public init(pattern: FramePattern, reason: String, expires: String?) {
            self.pattern = pattern
            self.reason = reason
            self.expires = expires
        }
    }

    /// Percentage points of the total a frame may grow by.
    public var threshold = 1.0
    public var metric = Metric.total
    /// Frames with fewer samples than this (after, in samples) are not gated.
    public var minSamples = 1.0
    /// 1 − the significance level of the one-sided test.
    public var confidence = 0.99
    public var rules: [Rule] = []
    public var acknowledged: [Acknowledgement] = []
    /// Keep frames that are not CPU — `(idle)`, `(program)`, `(root)`, py-spy idle — in shares and gates.
    public var keepIdle = false
    /// Gate only stacks through a frame matching this, with shares relative to it.
    public var focus: FramePattern? = nil
    /// A frame past its threshold that is not significant is inconclusive (rather than passing) when its
    /// own one-sided p-value is below this: suggestive evidence (calibrated: see docs/GATE.md; 1 makes
    /// every such frame inconclusive).
    public var inconclusiveLevel = 0.15
    /// Holm over the frames past their threshold (false-alarm rate per comparison); false tests each
    /// frame on its own (per frame: only for measuring what the correction buys, `ci/calibrate`).
    public var familyWise = true
    /// An inconclusive comparison fails (exit 1) too.
    public var failOnInconclusive = false
    /// The noise model: see `NoiseModel` and docs/GATE.md.
    public var noise = NoiseModel.Settings()

    public init() {}

    /// The rule that applies to `name`: the first that matches.
    public func rule(for name: String) -> Rule? { rules.first { $0.pattern.matches(name) } }

    /// The acknowledgement in force for `name` on `today` (YYYY-MM-DD), if any.
    public func acknowledgement(for name: String, today: String) -> Acknowledgement? {
        acknowledged.first { a in a.pattern.matches(name) && (a.expires.map { today <= $0 } ?? true) }
    }
}
