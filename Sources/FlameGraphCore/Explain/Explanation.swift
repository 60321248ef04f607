/// A plain-English summary of where a profile spends its time, computed by `HotSpotExplainer` and
/// rendered by `ExplanationText` (terminal) or `ExplanationMarkdown` (PR comments).
public struct Explanation: Sendable, Equatable {
    /// A function that burns CPU in its own code.
    public struct SelfHotSpot: Sendable, Equatable {
        public var name: String
        public var selfWeight: Double
        public var totalWeight: Double
        public var selfShare: Double
        public var totalShare: Double
        /// The call path (root first, ending at this function) that carries most of its self time;
        /// shortened in the middle (`…`) when deep.
        public var heaviestPath: [String]
        /// The self weight carried by `heaviestPath`.
        public var pathWeight: Double
        /// The function calls itself somewhere in the profile.
        public var recursive: Bool
    }

    /// A function that is expensive including what it calls.
    public struct TotalHotSpot: Sendable, Equatable {
        public var name: String
        public var selfWeight: Double
        public var totalWeight: Double
        public var selfShare: Double
        public var totalShare: Double
        /// The direct callee carrying most of its callee time, if it has callees.
        public var topCallee: String?
        /// The callee's weight under this function (each sample counted once).
        public var topCalleeWeight: Double
        public var recursive: Bool

        /// The share of this function's time spent in its callees (0…1).
        public var calleeFraction: Double { totalWeight > 0 ? max(0, totalWeight - selfWeight) / totalWeight : 0 }
    }

    /// One sentence: text with frame names kept apart, so each renderer quotes or escapes them.
    public struct Observation: Sendable, Equatable {
        public enum Part: Sendable, Equatable {
            case text(String)
            case frame(String)
        }

        public var parts: [Part]

        public init(_ parts: [Part]) { self.parts = parts }

        /// The sentence with frame names as they are (for tests and logs).
        public var plainText: String {
            parts.map {
                switch $0 {
                case .text(let s): return s
                case .frame(let s): return s
                }
            }.joined()
        }
    }

    /// All samples (weights in `unit`).
    public var totalWeight: Double
    public var unit: WeightUnit
    /// What the weights measure (CPU, off-CPU time, memory): the words of headings and advice.
    public var measure: ExplanationMeasure = .cpu
    /// Distinct function names in the profile.
    public var functionCount: Int
    /// The requested number of entries per list.
    public var top: Int
    /// Highest self share first.
    public var bySelf: [SelfHotSpot]
    /// Highest total share first, frames on (nearly) every stack left out.
    public var byTotal: [TotalHotSpot]
    public var observations: [Observation]
}
