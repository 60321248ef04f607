import ArgumentParser
import FlameGraphCore
import FlameGraphStore
import Foundation

/// `flame-graph baseline sync`: fetch the remote's baselines, merge both histories, push; retried when
/// another runner pushed in between. Transport is the git CLI (fetch/push only): CI runners set up
/// credentials for git (credential helpers, actions/checkout's http.extraheader, SSH agents) that
/// libgit2 would not see; the merge itself is libgit2 (`BaselineHistoryMerge`).
struct BaselineSyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract:
            "Merge this repository's baselines with the remote's and push them (safe with concurrent CI runners).",
        discussion: "Example: flame-graph baseline sync --remote origin")

    @Option(help: "The git remote (name or URL).") var remote = "origin"
    @Option(help: "The git repository.") var repo = "."
    @Option(help: "Attempts when another runner pushes in between.") var attempts = 8
    @Flag(name: [.short, .long], help: "Only errors.") var quiet = false

    static let reference = GitRefStore.defaultReference

    /// The remote as shown in messages: a URL's credentials are never printed.
    var shown: String { BaselineHygiene.scrubCredentials(remote) }

    func run() throws {
        let repository = try Repository(discoveringFrom: repo)
        let directory = repository.workingDirectory ?? repository.gitDirectory
        let tracking = "refs/flame-graph/sync/incoming"
        defer { _ = try? GitCLI.run(["update-ref", "-d", tracking], in: directory) }
        for attempt in 1...max(attempts, 1) {
            let fetch = try GitCLI.run(
                ["fetch", "--quiet", "--no-tags", remote, "+\(Self.reference):\(tracking)"], in: directory)
            if fetch.status != 0 {
                guard fetch.stderr.contains("couldn't find remote ref") else {
                    throw FlameGraphError(.unavailable, "git fetch \(shown) failed: \(GitCLI.lastLine(fetch.stderr))")
                }
                _ = try GitCLI.run(["update-ref", "-d", tracking], in: directory)
            }
            let outcome = try BaselineHistoryMerge.reconcile(
                Repository(discoveringFrom: repo), reference: Self.reference, incoming: tracking)
            if outcome == .upToDate || outcome == .fastForwarded {
                say(
                    "baselines up to date with \(shown) (\(outcome == .fastForwarded ? "took the remote's" : "nothing to push"))"
                )
                return
            }
            let push = try GitCLI.run(
                ["push", "--quiet", remote, "\(Self.reference):\(Self.reference)"], in: directory)
            if push.status == 0 {
                say(
                    "pushed baselines to \(shown) (\(outcome == .merged ? "merged with the remote's" : "fast-forward"))"
                )
                return
            }
            guard GitCLI.isRace(push.stderr), attempt < attempts else {
                throw FlameGraphError(.unavailable, "git push \(shown) failed: \(GitCLI.lastLine(push.stderr))")
            }
            say("\(shown) moved meanwhile (attempt \(attempt)); fetching again")
            usleep(UInt32.random(in: 50_000...(200_000 * UInt32(attempt))))
        }
    }

    func say(_ text: String) { if !quiet { print("flame-graph: \(text)") } }
}
