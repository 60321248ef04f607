/// What is sent to a language model for `explain --api-url`: the offline explanation (frame names,
/// shares, observations — no file paths, no environment, nothing else), bounded in size.
public enum ModelPrompt {
    /// The largest offline summary sent (characters); longer ones are cut at a line boundary.
    public static let maxSummary = 12_000

    public static func system(_ measure: ExplanationMeasure) -> String {
        let what: String
        switch measure {
        case .cpu: what = "a CPU profile (where the CPU time is spent)"
        case .offCPU: what = "an off-CPU profile (where threads are blocked or waiting, not running)"
        case .memory: what = "a memory profile (where memory is allocated, in bytes or allocations)"
        }
        return "You are a performance engineer. You are given the summary of \(what), computed from a flame graph. "
            + "Explain in plain English, in at most 10 short bullet points, what dominates and what to investigate "
            + "or change first. Refer to functions by the names given. Do not invent functions or numbers."
    }

    public static func user(_ explanation: Explanation) -> String {
        var summary = ExplanationText.render(explanation)
        if summary.count > maxSummary {
            let cut = summary.prefix(maxSummary)
            summary = String(cut[..<(cut.lastIndex(of: "\n") ?? cut.endIndex)]) + "\n(summary cut)\n"
        }
        return "Profile summary:\n\n" + summary
    }
}
