import ArgumentParser
import FlameGraphCore
import FlameGraphStore
import Foundation

/// `flame-graph baseline show`: a stored baseline (merged, or one round) as folded stacks.
extension BaselineCommand {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a stored baseline as folded stacks.",
            discussion: "Example: flame-graph baseline show --service api --commit main --output base.folded")

        @Option(help: "Service name.") var service: String
        @Option(help: "Commit (any revision; default HEAD), or `auto` to search like `diff --baseline auto`.")
        var commit: String?
        @Option(name: [.customLong("max-depth")], help: "With `auto`: first-parent ancestors to search.") var maxDepth =
            200
        @Option(name: [.short, .long], help: "Output (`-` = stdout).") var output: String = "-"
        @Option(help: "Only round K (1…N) of a baseline saved with rounds (default: all rounds merged).")
        var round: Int?
        @OptionGroup var storeOptions: StoreOptionGroup

        func validate() throws {
            if let round, round < 1 { throw ValidationError("--round must be 1 or more") }
        }

        func run() throws {
            let (store, repository) = try storeOptions.open()
            let sha: String
            if commit == "auto" {
                guard let repository else { throw FlameGraphError(.notFound, "`auto` needs a git repository") }
                sha = try store.findBaseline(service: service, startingAt: .auto, maxDepth: maxDepth, in: repository)
                    .commit
            } else {
                sha = try storeOptions.resolve(commit, in: repository)
            }
            let baseline = try store.load(service: service, commit: sha)
            guard let round else { return try OutputFile.write(baseline.folded, to: output) }
            let count = max(baseline.rounds.count, 1)
            guard round <= count else {
                throw FlameGraphError(
                    .notFound,
                    "The baseline of service '\(service)' at \(sha.prefix(12)) has \(count) round\(count == 1 ? "" : "s"), not \(round)."
                )
            }
            try OutputFile.write(baseline.rounds.isEmpty ? baseline.folded : baseline.rounds[round - 1], to: output)
        }
    }
}
