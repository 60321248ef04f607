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
            discussion: "Example: flame-graph baseline save --service api --input cpu.folded")

        @Option(help: "Service name (letters, digits, . _ -).") var service: String
        @Option(name: [.short, .long], help: "Profile to store (any supported format; `-` = stdin).") var input: String
        @Option(help: "Force the input format.") var format: String?
        @Option(help: "The commit it belongs to (any revision git accepts; default HEAD).") var commit: String?
        @Flag(help: "Replace an existing baseline.") var force = false
        @OptionGroup var storeOptions: StoreOptionGroup
        @Flag(name: [.short, .long], help: "No warnings on stderr.") var quiet = false

        func run() throws {
            let profile = try ProfileLoader.load([input], format: format, quiet: quiet)
            let (store, repository) = try storeOptions.open()
            let sha = try storeOptions.resolve(commit, in: repository)
            let metadata = BaselineMetadataFactory.make(
                for: profile,
                captureCommand: BaselineMetadataFactory.redactedCommandLine(Array(CommandLine.arguments.dropFirst())))
            let record = try store.save(
                service: service, commit: sha, profile: profile, metadata: metadata, force: force)
            print("saved baseline \(record.service) @ \(record.commit.prefix(12)) (\(record.samples) samples)")
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
        @OptionGroup var storeOptions: StoreOptionGroup

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
            try OutputFile.write(try store.load(service: service, commit: sha).folded, to: output)
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
