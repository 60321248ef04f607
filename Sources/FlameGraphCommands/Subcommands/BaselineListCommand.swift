import ArgumentParser
import FlameGraphCore
import FlameGraphStore
import Foundation

/// `flame-graph baseline list` and `baseline delete`.
extension BaselineCommand {
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
