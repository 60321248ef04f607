/// What a profile's weights measure, so that headings and advice use the right words: CPU time,
/// time blocked off the CPU, or memory (bytes or allocations).
public enum ExplanationMeasure: String, Sendable, Equatable, CaseIterable {
    case cpu
    case offCPU = "off-cpu"
    case memory

    /// The measure a unit implies when nobody says: bytes are memory, everything else CPU samples or time.
    public static func `default`(for unit: WeightUnit) -> ExplanationMeasure { unit == .bytes ? .memory : .cpu }

    /// "Where the CPU is burned", "Where threads wait", "Where memory is allocated".
    public var selfHeading: String {
        switch self {
        case .cpu: return "Where the CPU is burned"
        case .offCPU: return "Where threads wait off-CPU"
        case .memory: return "Where memory is allocated"
        }
    }

    /// "(self time", "(self bytes".
    public var selfWord: String { self == .memory ? "self" : "self time" }
    public var totalWord: String { self == .memory ? "total" : "total time" }

    /// "Where the time goes including callees", "Where the memory goes including callees".
    public var totalHeading: String {
        self == .memory ? "Where the memory goes including callees" : "Where the time goes including callees"
    }

    /// The sentence for a function that carries much of the weight in its own frame.
    public func dominantSelf(_ share: String) -> String {
        switch self {
        case .cpu: return " alone burns \(share) of the CPU in its own code: optimise its body."
        case .offCPU: return " alone accounts for \(share) of the time blocked off-CPU: look at what it waits for."
        case .memory: return " alone allocates \(share) of the memory in its own code: allocate less there or reuse."
        }
    }

    /// The profile's noun for one unit of weight ("samples", "time", "bytes").
    public var shareNoun: String {
        switch self {
        case .cpu: return "samples"
        case .offCPU: return "off-CPU time"
        case .memory: return "memory"
        }
    }
}
