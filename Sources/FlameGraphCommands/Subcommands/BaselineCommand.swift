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
            let merged = Profile.merged(rounds)
            let metadata = BaselineMetadataFactory.make(
                for: merged,
                captureCommand: BaselineMetadataFactory.redactedCommandLine(Array(CommandLine.arguments.dropFirst())))
            let record = try store.save(
                service: service, commit: sha, rounds: rounds, merged: merged, metadata: metadata, force: force)
            let kept = rounds.count >= 2 ? ", \(rounds.count) rounds" : ""
            print("saved baseline \(record.service) @ \(record.commit.prefix(12)) (\(record.samples) samples\(kept))")
        }
    }
}
