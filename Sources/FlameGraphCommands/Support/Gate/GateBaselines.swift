import FlameGraphCore
import FlameGraphStore
import Foundation

/// Where `gate` keeps baselines: the repository's `refs/flame-graph/baselines` (keyed by commit), or a
/// checked-in directory (`--baseline-dir`, see `CheckedInBaselines`).
struct GateBaselines {
    var repositoryPath: String
    var directory: String?
    var maxDepth = 200

    /// A baseline found for comparison.
    struct Found {
        /// The baseline's rounds (one profile when it was saved without rounds).
        var rounds: [Profile]
        /// Earlier baselines of the service, newest first: replicates for the noise model.
        var history: [Profile] = []
        var label: String
        var commit: String
        var metadata: BaselineMetadata
        var load: LoadStatistics?
    }

    func repository() -> Repository? { try? Repository(discoveringFrom: repositoryPath) }

    /// Checks before any service is started that saving/comparing can work at all.
    func preflight(saving: Bool) throws {
        if directory == nil || saving { _ = try Repository(discoveringFrom: repositoryPath) }
    }

    func save(
        service: String, rounds: [Profile], merged: Profile, metadata: BaselineMetadata, load: LoadStatistics?,
        replace: Bool
    ) throws -> String {
        let repository = try Repository(discoveringFrom: repositoryPath)
        let commit = try repository.headCommit()
        if let directory {
            try CheckedInBaselines(directory: directory).save(
                service: service, commit: commit, rounds: rounds, merged: merged, metadata: metadata, load: load)
            return "\(directory)/\(service).folded (commit \(commit.prefix(12)))"
        }
        // The rounds are kept, so a later comparison has replicates on the baseline's side too.
        try GitRefStore(repository: repository).save(
            service: service, commit: commit, rounds: rounds, merged: merged, metadata: metadata, force: replace)
        return "of commit \(commit.prefix(12))"
    }

    func find(service: String, revision: String) throws -> Found {
        if let directory {
            let b = try CheckedInBaselines(directory: directory).load(service: service)
            return Found(
                rounds: [b.profile], label: "\(directory)/\(service).folded (commit \(b.commit.prefix(12)))",
                commit: b.commit, metadata: b.metadata, load: b.load)
        }
        let repository = try Repository(discoveringFrom: repositoryPath)
        let store = GitRefStore(repository: repository)
        let match = try store.findBaseline(service: service, startingAt: BaselineRevision(revision), maxDepth: maxDepth)
        let (rounds, record) = try store.loadRounds(service: service, commit: match.commit)
        let history = try store.history(service: service, excluding: match.commit, unit: record.metadata.unit)
        let back = match.distance == 0 ? "" : ", \(match.distance) commit\(match.distance == 1 ? "" : "s") back"
        return Found(
            rounds: rounds, history: history, label: "commit \(match.commit.prefix(12))\(back)",
            commit: match.commit, metadata: record.metadata, load: nil)
    }
}
