import ArgumentParser
import FlameGraphCore
import FlameGraphStore
import Foundation

/// `flame-graph baseline save|show|list|delete`: baselines keyed by git commit.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Store and find baseline profiles keyed by git commit (in refs/flame-graph/baselines).",
        discussion: """
            Baselines live in the repository's object database under refs/flame-graph/baselines — never in
            the working tree, index, HEAD or your branches. Share them with plain git:
              git push origin 'refs/flame-graph/*'
              git fetch origin 'refs/flame-graph/*:refs/flame-graph/*'
            """,
        subcommands: [Save.self, Show.self, List.self, Delete.self, BaselineSyncCommand.self])

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a profile as the baseline of a service at a commit (default HEAD).",
            discussion: """
                Repeat --input to store the rounds of one capture: the gate then measures noise from them.
                Example: flame-graph baseline save --service api --input r1.folded --input r2.folded --input r3.folded
                """)

        @Option(help: "Service name (letters, digits, . _ -).") var service: String
        @Option(
            name: [.short, .long], help: "Profile to store (any supported format; `-` = stdin); repeat for rounds.")
        var input: [String]
        @Option(help: "Force the input format.") var format: String?
        @Option(help: "The commit it belongs to (any revision git accepts; default HEAD).") var commit: String?
        @Flag(help: "Replace an existing baseline.") var force = false
        @OptionGroup var storeOptions: StoreOptionGroup
        @Flag(name: [.short, .long], help: "No warnings on stderr.") var quiet = false

        func validate() throws {
            if input.isEmpty { throw ValidationError("give the profile to store with --input (repeat it for rounds)") }
        }

        func run() throws {
            let rounds = try input.map { try ProfileLoader.load([$0], format: format, quiet: quiet) }
            let (store, repository) = try storeOptions.open()
            let sha = try storeOptions.resolve(commit, in: repository)
            var merged = Profile()
            merged.unit = rounds[0].unit
            for r in rounds { merged.merge(r) }
            let metadata = BaselineMetadataFactory.make(
                for: merged,
                captureCommand: BaselineMetadataFactory.redactedCommandLine(Array(CommandLine.arguments.dropFirst())))
            let record = try store.save(service: service, commit: sha, rounds: rounds, metadata: metadata, force: force)
            let kept = rounds.count >= 2 ? ", \(rounds.count) rounds" : ""
            print("saved baseline \(record.service) @ \(record.commit.prefix(12)) (\(record.samples) samples\(kept))")
        }
    }

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

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List stored baselines: commit, service, samples, date.")

        @Option(help: "Only this service.") var service: String?
        @OptionGroup var storeOptions: StoreOptionGroup

        func run() throws {
            let (store, _) = try storeOptions.open()
            let records = try store.list(service: service)
            let formatter = ISO8601DateFormatter()
            print("commit        service               samples  saved")
            for r in records {
                let name = r.service.padding(toLength: max(20, r.service.count), withPad: " ", startingAt: 0)
                let samples = String(r.samples)
                print(
                    "\(r.commit.prefix(12))  \(name)  \(String(repeating: " ", count: max(0, 8 - samples.count)))\(samples)  \(formatter.string(from: r.savedAt))"
                )
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the baseline of a service at a commit.")

        @Option(help: "Service name.") var service: String
        @Option(help: "Commit (any revision git accepts).") var commit: String
        @OptionGroup var storeOptions: StoreOptionGroup

        func run() throws {
            let (store, repository) = try storeOptions.open()
            let sha = try storeOptions.resolve(commit, in: repository)
            try store.delete(service: service, commit: sha)
            print("deleted baseline \(service) @ \(sha.prefix(12))")
        }
    }
}
