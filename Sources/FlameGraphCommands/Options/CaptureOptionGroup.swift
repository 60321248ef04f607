import ArgumentParser
import FlameGraphCapture
import FlameGraphCore

/// The flags every capture subcommand shares (`perf`, `python`, `pdie`, `offcpu`): how long, where the
/// flame graph goes, and the CI side — store the capture as the baseline of HEAD, or gate it against
/// a stored baseline with the same engine and reports as `diff`.
struct CaptureOptionGroup: ParsableArguments {
    @Option(
        help: ArgumentHelp("Seconds to capture (Ctrl-C stops earlier and keeps what was captured).", valueName: "s"))
    var duration: Int = 30

    @Option(
        help: ArgumentHelp(
            "Split the capture into N rounds, the gate's replicates: N equal time windows of one recording (perf, offcpu) or N back-to-back captures of duration/N (at least 1 s each). Outputs draw their merge. Default \(CaptureRounds.defaultCount) (back to back: at most one per second of --duration).",
            valueName: "N"))
    var rounds: Int?

    @OptionGroup var output: OutputOptionGroup

    @Option(help: "Service name: the key of --save-baseline and --baseline, and the name in reports.")
    var service: String?

    @Flag(name: [.customLong("save-baseline")], help: "Store the capture as the service's baseline for HEAD.")
    var saveBaseline = false

    @Flag(name: [.customLong("replace-baseline")], help: "With --save-baseline: replace an existing baseline.")
    var replaceBaseline = false

    @Option(
        help: ArgumentHelp(
            "Gate the capture against the service's stored baseline: a revision, or `auto` (merge-base with the default branch, then first-parent ancestors).",
            valueName: "rev|auto"))
    var baseline: String?

    @Option(
        name: [.customLong("max-depth")], help: "With --baseline auto: first-parent ancestors to search (default 200).")
    var maxDepth: Int = 200

    @Option(name: [.customLong("diff-output")], help: "With --baseline: also write the differential SVG here.")
    var diffOutput: String?

    @OptionGroup var gate: GateOptionGroup

    @OptionGroup var store: StoreOptionGroup

    func validate() throws {
        guard duration >= 1 && duration <= 86_400 else {
            throw ValidationError("--duration must be a whole number of seconds from 1 to 86400, got \(duration)")
        }
        if saveBaseline && service == nil { throw ValidationError("--save-baseline needs --service NAME") }
        if baseline != nil && service == nil { throw ValidationError("--baseline needs --service NAME") }
        if replaceBaseline && !saveBaseline { throw ValidationError("--replace-baseline needs --save-baseline") }
        if baseline == nil {
            let gateOnly: [(String, Bool)] = [
                ("--diff-output", diffOutput != nil), ("--junit", gate.junit != nil),
                ("--markdown", gate.markdown != nil), ("--json", gate.json != nil),
                ("--threshold", gate.threshold != nil), ("--config", gate.config != nil),
            ]
            if let flag = gateOnly.first(where: { $0.1 })?.0 {
                throw ValidationError("\(flag) compares with a baseline: add --baseline REV|auto --service NAME")
            }
        }
        if let rounds, rounds < 1 || rounds > CaptureRounds.maximumCount {
            throw ValidationError("--rounds must be from 1 to \(CaptureRounds.maximumCount), got \(rounds)")
        }
        if maxDepth < 0 { throw ValidationError("--max-depth must be 0 or more") }
    }
}
